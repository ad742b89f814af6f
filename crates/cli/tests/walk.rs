//! `starmark checklist walk` and `starmark evaluate --interactive`: answers
//! piped in as a vendor would type them, saved after each criterion, the
//! walk resumed where it stopped, unusable answers asked again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::Path;

use assert_cmd::Command;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/star-1-home-camera/checklist.toml");

fn starmark(args: &[&str], stdin: &str) -> std::process::Output {
    Command::cargo_bin("starmark")
        .unwrap()
        .args(args)
        .env_remove("STARMARK_CATALOG")
        .write_stdin(stdin)
        .output()
        .unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn parse(path: &Path) -> starmark_checklist::Checklist {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    starmark_checklist::parse(&std::fs::read(path).unwrap(), starmark_checklist::Encoding::from_file_name(&name))
        .unwrap()
        .checklist
}

fn item<'a>(c: &'a starmark_checklist::Checklist, id: &str) -> &'a starmark_checklist::Item {
    c.items.iter().find(|i| i.id == id).unwrap()
}

/// A blank checklist from the template and one evidence file beside it.
fn blank(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let o = starmark(&["checklist", "new", "--out", path.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("docs/design.md"), "every port and its authentication").unwrap();
    path
}

#[test]
fn answers_are_saved_as_given_and_the_walk_resumes() {
    use starmark_checklist::{Applicability, Verdict};
    let tmp = tempfile::tempdir().unwrap();
    let path = blank(tmp.path(), "checklist.toml");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    // S1.1-01 applies and conforms, with a file that is missing, one outside
    // the folder, then the right one; S1.1-02 is not applicable; then quit.
    let answers =
        "maybe\ny\nc\nmissing.md\n../../etc/passwd\ndocs/design.md\n\nSee the design.\nn\nNo passwords at all.\nq\n";
    let o = starmark(&["checklist", "walk", path.to_str().unwrap(), "--lang", "en"], answers);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("\"maybe\": y / n / s / q; please answer again"), "{err}");
    assert!(err.contains("missing.md: no such file"), "{err}");
    assert!(err.contains("../../etc/passwd: give a relative path inside the checklist's folder"), "{err}");
    assert!(err.contains("Stopped. Your answers are saved"), "{err}");
    let c = parse(&path);
    let s01 = item(&c, "S1.1-01");
    assert_eq!((s01.applicability, s01.verdict), (Some(Applicability::Applicable), Some(Verdict::Conforms)));
    assert_eq!(s01.evidence[0].path.as_deref(), Some("docs/design.md"));
    assert_eq!(
        s01.evidence[0].sha256.as_deref(),
        Some(starmark_evidence::sha256_hex(b"every port and its authentication").as_str())
    );
    assert_eq!(s01.remarks.as_deref(), Some("See the design."));
    let s02 = item(&c, "S1.1-02");
    assert_eq!(s02.applicability, Some(Applicability::NotApplicable));
    assert_eq!(s02.justification.as_deref(), Some("No passwords at all."));
    assert_eq!(item(&c, "S1.1-03").verdict, None);
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640, "the file keeps its mode");
    // The template's guidance comments are still there.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("# S1.1-01  Access control on every IP-reachable function"), "{text}");
    assert!(text.contains("# Evidence to keep:"), "{text}");

    // Run again: it starts at S1.1-03 and, answered to the end, completes.
    // The device-check-only criteria (S1.1-04, S1.1-13) are not asked.
    let rest = "y\ni\n\n\n".repeat(12);
    let o = starmark(&["checklist", "walk", path.to_str().unwrap(), "--lang", "en"], &rest);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("2 of the 14 document-review criteria are answered"), "{err}");
    assert!(!err.contains("S1.1-01  Access control") && err.contains("[3/14] S1.1-03"), "{err}");
    assert!(!err.contains("S1.1-04") && !err.contains("S1.1-13"), "{err}");
    assert!(err.contains("Every document-review criterion is answered."), "{err}");
    let c = parse(&path);
    assert_eq!(item(&c, "S1.1-16").verdict, Some(Verdict::Inconclusive));
    assert_eq!(item(&c, "S1.1-04").verdict, None, "left to the device check");
    // Nothing left: a third run asks nothing.
    let o = starmark(&["checklist", "walk", path.to_str().unwrap(), "--lang", "en"], "");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn japanese_prompts_and_hostile_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let path = blank(tmp.path(), "checklist.json");
    // An over-long line, then control characters, then a usable reason; the
    // end of input stops the walk with what was answered saved.
    let long = "x".repeat(60_000);
    let answers = format!("n\n{long}\nbad\u{1b}[31m\n\u{202e}reversed\n対象となる機能がない\n");
    let o = starmark(&["checklist", "walk", path.to_str().unwrap(), "--lang", "ja"], &answers);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("この要件は製品に適用されますか"), "{err}");
    assert!(err.contains("長すぎます"), "{err}");
    assert_eq!(err.matches("制御文字や双方向制御文字は使えません").count(), 2, "{err}");
    assert!(err.contains("中断しました"), "{err}");
    let c = parse(&path);
    let s01 = item(&c, "S1.1-01");
    assert_eq!(s01.justification.as_deref(), Some("対象となる機能がない"));
    assert_eq!(item(&c, "S1.1-02").applicability, None);
    // Not UTF-8 (Shift_JIS), or a long line cut mid-character: asked again.
    let mut bytes = b"n\n\x83\x65\x83\x58\x83\x67\n".to_vec();
    bytes.extend_from_slice(format!("A{}\n", "あ".repeat(14_000)).as_bytes());
    bytes.extend_from_slice("理由\n".as_bytes());
    let o = Command::cargo_bin("starmark")
        .unwrap()
        .args(["checklist", "walk", path.to_str().unwrap(), "--lang", "en"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(err.contains("not UTF-8 text; please answer again") && err.contains("too long"), "{err}");
    assert_eq!(item(&parse(&path), "S1.1-02").justification.as_deref(), Some("理由"));
    // `q` stops at any question, even a free-text one: nothing is saved
    // for the criterion it was asked about.
    let o = starmark(&["checklist", "walk", path.to_str().unwrap(), "--lang", "en"], "y\nc\n\nq\n");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(item(&parse(&path), "S1.1-03").verdict, None);
    assert_eq!(item(&parse(&path), "S1.1-03").remarks, None);
    // Five unusable answers in a row stop the walk rather than loop.
    let o = starmark(&["checklist", "walk", path.to_str().unwrap(), "--lang", "en"], &"?\n".repeat(50));
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("Stopping: the same question was not answered"), "{}", stderr(&o));
    // An unreadable checklist is an error, and nothing is asked.
    std::fs::write(tmp.path().join("broken.toml"), "items = [").unwrap();
    let o = starmark(&["checklist", "walk", tmp.path().join("broken.toml").to_str().unwrap()], "y\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("broken.toml"), "{}", stderr(&o));
}

#[test]
fn evaluate_interactive_asks_what_is_missing_then_evaluates() {
    let tmp = tempfile::tempdir().unwrap();
    // The example checklist and its evidence, with S1.1-05 left unanswered.
    let dir = tmp.path().join("vendor");
    std::fs::create_dir_all(dir.join("evidence")).unwrap();
    let example = Path::new(EXAMPLE).parent().unwrap();
    for f in std::fs::read_dir(example.join("evidence")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.join("evidence").join(f.file_name())).unwrap();
    }
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let at = text.find("id = \"S1.1-05\"").unwrap();
    let verdict = at + text[at..].find("verdict = \"conforms\"\n").unwrap();
    let text = format!("{}{}", &text[..verdict], &text[verdict + "verdict = \"conforms\"\n".len()..]);
    let checklist = dir.join("checklist.toml");
    std::fs::write(&checklist, text).unwrap();
    let key = tmp.path().join("k");
    assert!(starmark(&["keygen", "--out", key.to_str().unwrap()], "").status.success());
    let out = tmp.path().join("out");
    let args = [
        "evaluate",
        "--checklist",
        checklist.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--interactive",
        "--lang",
        "en",
        "--json",
    ];
    // Stopped before answering: nothing is evaluated.
    let o = starmark(&args, "q\n");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was evaluated"), "{}", stderr(&o));
    assert!(!out.exists());
    // Answered: only S1.1-05 is asked, then the evaluation runs (no device
    // scan was given, so the device-check criteria are inconclusive: 3).
    let o = starmark(&args, "y\nc\nevidence/psirt-policy.md\n\n\n");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[4/14] S1.1-05") && !err.contains("S1.1-06 "), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s05 = v["items"].as_array().unwrap().iter().find(|i| i["id"] == "S1.1-05").unwrap();
    assert_eq!(s05["verdict"], "conforms");
    assert!(out.join("evidence/documents/evidence/psirt-policy.md").exists());
    assert_eq!(item(&parse(&checklist), "S1.1-05").verdict, Some(starmark_checklist::Verdict::Conforms));
}
