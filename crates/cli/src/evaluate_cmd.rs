//! `starmark evaluate`: the vendor's checklist, the device's scan reports
//! and the known-vulnerability check merged into a completed checklist,
//! with the evidence kept in a signed bundle.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use starmark_checklist::Verdict;
use starmark_checklist::evaluate::{EvidenceFiles, Said, ScanFinding, ScanInput, VulnInput, evaluate as merge};

use crate::EvaluateArgs;

/// The bundle's folder inside the output folder.
const BUNDLE: &str = "evidence";

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{}: cannot be read", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into())
}

/// Several scans of one device are one body of evidence: every finding,
/// complete only if each was.
fn combine(scans: &[ScanInput]) -> Option<ScanInput> {
    let first = scans.first()?;
    let mut findings: Vec<ScanFinding> = Vec::new();
    for f in scans.iter().flat_map(|s| &s.findings) {
        if !findings.iter().any(|x| x.id == f.id) {
            findings.push(f.clone());
        }
    }
    Some(ScanInput {
        format: first.format.clone(),
        complete: scans.iter().all(|s| s.complete),
        findings,
        check_settings: scans.iter().find_map(|s| {
            s.check_settings.as_ref().filter(|c| c.get("brute_force").is_some_and(|b| !b.is_null())).cloned()
        }),
        // The brute-force scan vouches only for what it saw itself: a port
        // another scan found that it did not is a gap.
        login_coverage: scans
            .iter()
            .filter_map(|s| s.login_coverage.as_ref())
            .map(|c| {
                let mut c = c.clone();
                let mut unseen: Vec<String> = Vec::new();
                for f in scans.iter().flat_map(|s| &s.findings) {
                    if let Some(p) = f.id.strip_prefix("exposed/")
                        && !c.exposed.iter().any(|e| e == p)
                        && !unseen.iter().any(|u| u == p)
                    {
                        unseen.push(p.to_string());
                    }
                }
                if !unseen.is_empty() {
                    let ports = unseen.join(", ");
                    c.gaps.push(Said::new(
                        format!("{ports} reachable in another scan but not in the scan with the brute-force test"),
                        format!("{ports} は別の走査で到達できたが、総当たり試験を含む走査では見えていない"),
                    ));
                }
                c
            })
            .min_by_key(|c| c.gaps.len()),
    })
}

/// Scans `target` as `starmark scan` would with the evaluation's flags.
fn scan_now(a: &EvaluateArgs, target: &str) -> Result<starmark_probe::report::Report> {
    let args = crate::ScanArgs {
        target: target.to_string(),
        ports: None,
        json: true,
        budget: a.budget.clone(),
        max_in_flight: 1024,
        declared: a.declared.clone(),
        no_identify: false,
        checks: None,
        factory_credentials: a.factory_credentials.clone(),
        login_pace: "500ms".into(),
        danger_brute_force_test: a.danger_brute_force_test,
        brute_force_attempts: 10,
        brute_force_pace: "1s".into(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(crate::scan_cmd::report(&args)).map_err(|e| anyhow::anyhow!("the scan of {target}: {e}"))
}

/// The reports' folder inside the output folder.
const REPORTS: &str = "reports";

pub(crate) fn evaluate(a: EvaluateArgs, catalogs: &starmark_criteria::CatalogSet) -> Result<ExitCode> {
    if a.out.exists() && std::fs::read_dir(&a.out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        bail!("{}: exists and is not empty; choose a new folder", a.out.display());
    }
    let key = starmark_evidence::Key::read(&a.key)?;
    if a.interactive {
        let lang = a.lang.unwrap_or_else(crate::walk::default_lang);
        let ended = crate::walk::walk(&a.checklist, catalogs, lang, std::io::stdin().lock(), std::io::stderr())?;
        if ended == crate::walk::Ended::Stopped {
            eprintln!(
                "starmark evaluate: the checklist still has unanswered document-review criteria; nothing was evaluated"
            );
            return Ok(ExitCode::from(3));
        }
    }
    let checklist_bytes = read(&a.checklist)?;
    let doc = starmark_checklist::parse(
        &checklist_bytes,
        starmark_checklist::Encoding::from_file_name(&file_name(&a.checklist)),
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", a.checklist.display()))?;
    let criteria = &doc.checklist.criteria;
    let Some(catalog) = catalogs.catalog(&criteria.catalog, &criteria.version) else {
        bail!(
            "{}: criteria {:?} version {:?} is not a catalog this starmark knows; `starmark criteria list` shows them",
            a.checklist.display(),
            criteria.catalog,
            criteria.version
        );
    };

    // The files the checklist cites go into the bundle; a digest that does
    // not match stops everything before the device is touched.
    let base = a.checklist.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut cited = cited_documents(&doc.checklist, &base)?;
    for d in &a.document {
        let name = format!("documents/{}", file_name(d));
        let bytes = read(d)?;
        match cited.files.iter().find(|(n, _, _)| *n == name) {
            // The same file cited and given: kept once.
            Some((_, _, p)) if std::fs::read(p).is_ok_and(|b| b == bytes) => {}
            Some(_) => bail!(
                "--document {}: another file is already kept as {name} (cited by the checklist); rename one of them",
                d.display()
            ),
            None => cited.files.push((name, "document".into(), d.clone())),
        }
    }

    // Two VEX documents under one file name would collide in the bundle:
    // refused now, not after the scan.
    for (i, v) in a.vex.iter().enumerate() {
        if let Some(w) = a.vex.iter().skip(i + 1).find(|w| file_name(w) == file_name(v)) {
            bail!(
                "--vex {} and --vex {}: both would be kept as vex/{}; rename one of them",
                v.display(),
                w.display(),
                file_name(v)
            );
        }
    }

    // Everything the bundle will hold: (name in the bundle, role, source).
    let staging = tempfile::tempdir().context("a temporary folder")?;
    let mut files: Vec<(String, String, PathBuf)> = cited.files.clone();
    let mut evidence = EvidenceFiles::default();
    let mut scans = Vec::new();
    let mut scan_files: Vec<PathBuf> = Vec::new();
    if let Some(target) = &a.target {
        let report = scan_now(&a, target)?;
        let path = staging.path().join("scan-target.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&report)?)?;
        scan_files.push(path);
        if let Some(d) = &a.declared {
            files.push((format!("declared/{}", file_name(d)), "declared-interfaces".into(), d.clone()));
        }
    }
    scan_files.extend(a.scan_results.iter().cloned());
    for (i, path) in scan_files.iter().enumerate() {
        let bytes = read(path)?;
        scans.push(ScanInput::parse(&path.display().to_string(), &bytes)?);
        let name = format!("scan/scan-{}.json", i + 1);
        if i == 0 {
            evidence.scan = Some((format!("{BUNDLE}/{name}"), starmark_evidence::sha256_hex(&bytes)));
        }
        files.push((name, "scan".into(), path.clone()));
    }
    let vuln = match (&a.sbom, &a.advisories) {
        (Some(sbom_path), Some(advisories)) => {
            let sbom = starmark_vuln::sbom::load(sbom_path)?;
            let wanted = starmark_vuln::matching::Wanted::of(&sbom);
            let db = starmark_vuln::osv::load_filtered(advisories, &|r| wanted.keeps(r))?;
            let mut vex = Vec::new();
            for v in &a.vex {
                vex.push(starmark_vuln::vex::load(v)?);
                files.push((format!("vex/{}", file_name(v)), "vex".into(), v.clone()));
            }
            let report = starmark_vuln::report::assess(&sbom, &db, vex);
            let json = serde_json::to_vec_pretty(&report)?;
            let path = staging.path().join("vuln.json");
            std::fs::write(&path, &json)?;
            evidence.vuln = Some((format!("{BUNDLE}/vuln/vuln.json"), starmark_evidence::sha256_hex(&json)));
            files.push(("vuln/vuln.json".into(), "vuln-report".into(), path));
            files.push((format!("sbom/{}", file_name(sbom_path)), "sbom".into(), sbom_path.clone()));
            Some(VulnInput::parse("vuln.json", &json)?)
        }
        _ => None,
    };
    files.push((
        format!("checklist/vendor-{}", file_name(&a.checklist)),
        "vendor-checklist".into(),
        a.checklist.clone(),
    ));

    let scan = combine(&scans);
    let (mut completed, mut evaluation) = merge(&doc.checklist, scan.as_ref(), vuln.as_ref(), &evidence);
    cited.apply(&mut completed, &mut evaluation);
    let completed_toml = toml::to_string_pretty(&completed).context("the completed checklist")?;
    let evaluation_json = serde_json::to_vec_pretty(&evaluation)?;
    let c_path = staging.path().join("checklist.toml");
    std::fs::write(&c_path, &completed_toml)?;
    let e_path = staging.path().join("evaluation.json");
    std::fs::write(&e_path, &evaluation_json)?;
    // The completed checklist names the bundle by its manifest's digest, so
    // it stays outside the bundle; the bundle has it as evaluated.
    files.push(("checklist/evaluated.toml".into(), "checklist".into(), c_path.clone()));
    files.push(("evaluation.json".into(), "evaluation".into(), e_path.clone()));

    // Whole or absent: everything is written into a folder beside --out
    // and renamed into place at the end; on any error it is removed.
    let parent = a.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("{}: cannot be created", parent.display()))?;
    let work = tempfile::Builder::new()
        .prefix(".starmark-evaluation-")
        .tempdir_in(parent)
        .with_context(|| format!("{}: cannot write here", parent.display()))?;
    let at = jiff::Timestamp::now();
    let bundle = starmark_evidence::write(&work.path().join(BUNDLE), &files, &key, at)?;
    completed.evidence_bundle = Some(starmark_checklist::EvidenceBundle {
        manifest_sha256: bundle.manifest_sha256.clone(),
        key_id: Some(bundle.manifest.signer.key_id.clone()),
    });
    let tool = format!("starmark {}", env!("CARGO_PKG_VERSION"));
    write_outputs(work.path(), &completed, &evaluation, &evaluation_json, catalog, at, &tool)?;
    if a.out.exists() {
        // Checked empty at the start; refuse if something appeared since.
        std::fs::remove_dir(&a.out)
            .with_context(|| format!("{}: is no longer empty; nothing was written there", a.out.display()))?;
    }
    std::fs::rename(work.path(), &a.out).with_context(|| format!("{}: cannot be written", a.out.display()))?;
    // The folder was renamed away; nothing is left for the guard to remove.
    let _ = work.keep();

    if a.json {
        let mut v = serde_json::to_value(&evaluation)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("evidence_manifest_sha256".into(), bundle.manifest_sha256.clone().into());
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for i in &evaluation.items {
            let verdict = i.verdict.map_or("unanswered", |v| v.id());
            println!("{:<8} {:<17} {:<26} {}", i.id, verdict, i.decided_by, i.basis);
            if let Some(c) = &i.contradiction {
                println!("         CONTRADICTION: {c}");
            }
            for n in &i.attention {
                println!("         attention: {n}");
            }
        }
        println!(
            "\n{} contradiction(s). Written: {}/checklist.toml, {}/evaluation.json, {}/{REPORTS}/ (HTML ja/en, xlsx, OSCAL, SARIF), {}/{BUNDLE}/ ({} files, manifest SHA-256 {}, signed by key {})",
            evaluation.contradictions,
            a.out.display(),
            a.out.display(),
            a.out.display(),
            a.out.display(),
            bundle.manifest.files.len(),
            bundle.manifest_sha256,
            bundle.manifest.signer.key_id
        );
    }
    let verdicts: Vec<Verdict> = evaluation.items.iter().filter_map(|i| i.verdict).collect();
    // An applicable criterion left unanswered, or one of the catalog's the
    // checklist leaves out, is not a pass.
    let unanswered = completed
        .items
        .iter()
        .any(|i| i.applicability != Some(starmark_checklist::Applicability::NotApplicable) && i.verdict.is_none())
        || catalog.requirements.iter().any(|r| !completed.items.iter().any(|i| i.id == r.id));
    Ok(if evaluation.contradictions > 0 || verdicts.contains(&Verdict::DoesNotConform) {
        ExitCode::from(1)
    } else if verdicts.contains(&Verdict::Inconclusive) || unanswered {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes the completed checklist, the evaluation and the reports.
fn write_outputs(
    out: &Path,
    completed: &starmark_checklist::Checklist,
    evaluation: &starmark_checklist::evaluate::Evaluation,
    evaluation_json: &[u8],
    catalog: &starmark_criteria::Catalog,
    at: jiff::Timestamp,
    tool: &str,
) -> Result<()> {
    let input =
        starmark_report::Input { checklist: completed, evaluation, catalog, evaluated_at: at, tool, root: "../" };
    let ja = starmark_report::html::page(&input, starmark_criteria::Lang::Ja)?;
    let en = starmark_report::html::page(&input, starmark_criteria::Lang::En)?;
    let xlsx = starmark_report::xlsx::write(&input)?;
    let oscal = serde_json::to_vec_pretty(&starmark_report::oscal::assessment_results(&input))?;
    let sarif = serde_json::to_vec_pretty(&starmark_report::sarif::log(&input))?;
    let completed_toml = toml::to_string_pretty(completed).context("the completed checklist")?;
    let reports = out.join(REPORTS);
    std::fs::create_dir_all(&reports).with_context(|| format!("{}: cannot be created", reports.display()))?;
    for (path, bytes) in [
        (out.join("checklist.toml"), completed_toml.as_bytes()),
        (out.join("evaluation.json"), evaluation_json),
        (reports.join("evaluation.ja.html"), ja.as_bytes()),
        (reports.join("evaluation.en.html"), en.as_bytes()),
        (reports.join("checklist.xlsx"), &xlsx),
        (reports.join("assessment-results.oscal.json"), &oscal),
        (reports.join("evaluation.sarif"), &sarif),
    ] {
        std::fs::write(&path, bytes).with_context(|| format!("{}: cannot be written", path.display()))?;
    }
    Ok(())
}

/// The files a vendor's checklist cites as evidence (`path`, relative to
/// the checklist's folder), found and checked against their `sha256`.
#[derive(Debug, Default)]
struct Cited {
    /// (name in the bundle, role, source) of every file found.
    files: Vec<(String, String, PathBuf)>,
    /// Cited path → its path in the completed checklist (inside the
    /// bundle) and its SHA-256.
    moved: Vec<(String, String, String)>,
    /// (criterion, note) for files that could not be kept.
    notes: Vec<(String, Said)>,
}

fn cited_documents(c: &starmark_checklist::Checklist, base: &Path) -> Result<Cited> {
    let mut out = Cited::default();
    let mut mismatched = Vec::new();
    // Digests of the files already taken, by cited path.
    let mut seen: Vec<(String, String)> = Vec::new();
    let root = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    for item in &c.items {
        for e in &item.evidence {
            let Some(cited) = &e.path else { continue };
            if let Some((_, digest)) = seen.iter().find(|(p, _)| p == cited) {
                if let Some(declared) = &e.sha256
                    && declared != digest
                {
                    mismatched.push(format!(
                        "  {} ({}): the checklist says SHA-256 {declared}, the file is {digest}",
                        base.join(cited).display(),
                        item.id
                    ));
                }
                continue;
            }
            let rel = Path::new(cited);
            let inside = rel.components().all(|c| matches!(c, std::path::Component::Normal(_)));
            if !inside {
                let note = Said::new(
                    format!(
                        "evidence {cited}: not a relative path inside the checklist's folder, so it is not in the bundle; keep it yourself"
                    ),
                    format!(
                        "根拠資料 {cited}: チェックリストのフォルダ内の相対パスではないため証拠一式に含めていない。各自で保管してください"
                    ),
                );
                out.notes.push((item.id.clone(), note));
                continue;
            }
            let source = base.join(rel);
            // A link may not lead out of the checklist's folder.
            if source.canonicalize().is_ok_and(|real| !real.starts_with(&root)) {
                let note = Said::new(
                    format!(
                        "evidence {cited}: a link to a file outside the checklist's folder, so it is not in the bundle; keep it yourself"
                    ),
                    format!(
                        "根拠資料 {cited}: チェックリストのフォルダ外を指すリンクのため証拠一式に含めていない。各自で保管してください"
                    ),
                );
                out.notes.push((item.id.clone(), note));
                continue;
            }
            let bytes = match std::fs::read(&source) {
                Ok(b) => b,
                Err(_) => {
                    let note = Said::new(
                        format!(
                            "evidence {cited}: no such file beside the checklist, so it is not in the bundle; keep it yourself"
                        ),
                        format!(
                            "根拠資料 {cited}: チェックリストのフォルダにないため証拠一式に含めていない。各自で保管してください"
                        ),
                    );
                    out.notes.push((item.id.clone(), note));
                    continue;
                }
            };
            let digest = starmark_evidence::sha256_hex(&bytes);
            if let Some(declared) = &e.sha256
                && *declared != digest
            {
                mismatched.push(format!(
                    "  {} ({}): the checklist says SHA-256 {declared}, the file is {digest}",
                    source.display(),
                    item.id
                ));
                continue;
            }
            seen.push((cited.clone(), digest.clone()));
            let name = format!("documents/{}", rel.to_string_lossy().replace('\\', "/"));
            out.moved.push((cited.clone(), format!("{BUNDLE}/{name}"), digest));
            out.files.push((name, "document".into(), source));
        }
    }
    if !mismatched.is_empty() {
        bail!(
            "evidence the checklist cites is not the file it names (fix the file or the digest; `sha256sum` prints it):\n{}",
            mismatched.join("\n")
        );
    }
    Ok(out)
}

impl Cited {
    /// Points the completed checklist's evidence at the bundle's copies
    /// (so every path in it resolves from its own folder) and notes what
    /// could not be kept.
    fn apply(&self, c: &mut starmark_checklist::Checklist, e: &mut starmark_checklist::evaluate::Evaluation) {
        for item in &mut c.items {
            for ev in &mut item.evidence {
                if let Some((_, to, digest)) =
                    self.moved.iter().find(|(from, _, _)| ev.path.as_deref() == Some(from.as_str()))
                {
                    ev.path = Some(to.clone());
                    // A citation without a digest gets the bundled file's.
                    ev.sha256.get_or_insert_with(|| digest.clone());
                }
            }
        }
        for (id, note) in &self.notes {
            if let Some(i) = e.items.iter_mut().find(|i| i.id == *id) {
                i.attend(note.clone());
            }
        }
    }
}
