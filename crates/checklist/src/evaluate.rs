//! Merging what the device showed into the vendor's checklist: each
//! criterion's verdict from the device-check findings by a documented rule
//! (`docs/evaluate.md`), the vendor's document answers kept, and every
//! contradiction between the two named.
//!
//! Inputs are the saved reports of `starmark scan --json`
//! (`starmark-scan/1`) and `starmark vuln --json` (`starmark-vuln/1`), read
//! here through the few fields the rules need, so this crate depends on
//! neither the probe nor the matcher.
//!
//! The rules:
//! - **S1.1-13** (device check): `does_not_conform` if the scan found a
//!   high-severity finding bearing on it (a risky interface such as telnet,
//!   an undeclared one, UPnP control without authentication) or the
//!   known-vulnerability check does not conform; `inconclusive` if either
//!   report is missing, the scan is incomplete or a check on it could not
//!   finish, or the vulnerability check is inconclusive; else `conforms`.
//! - **S1.1-04** (device check): only from the brute-force test
//!   (`starmark scan --danger-brute-force-test`): `does_not_conform` if a
//!   login surface showed no resistance or accepted a wrong password,
//!   `inconclusive` if the test did not run or could not finish, `conforms`
//!   if every surface tested resisted.
//! - **Every other criterion**: the vendor's answer is kept; a
//!   high-severity device finding bearing on the criterion makes it
//!   `does_not_conform` (a contradiction if the vendor said `conforms`); a
//!   check that could not finish, or a warning-level finding, is noted in
//!   the item's remarks for the evaluator to account for.

use serde::{Deserialize, Serialize};

use crate::model::{Applicability, Checklist, Evidence, Item, MethodUsed, Verdict};

/// A finding as `starmark scan --json` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ScanFinding {
    pub id: String,
    /// `info`, `warning` or `high`.
    pub severity: String,
    #[serde(default)]
    pub criteria: Vec<String>,
    #[serde(default)]
    pub title: String,
    /// Absent in scans made before findings had Japanese titles: the
    /// Japanese texts then quote the English title.
    #[serde(default)]
    pub title_ja: String,
    #[serde(default)]
    pub evidence: String,
}

impl ScanFinding {
    fn title_ja(&self) -> &str {
        if self.title_ja.is_empty() { &self.title } else { &self.title_ja }
    }
}

/// The fields of a `starmark-scan/1` report the rules read.
#[derive(Debug, Clone, Deserialize)]
pub struct ScanInput {
    pub format: String,
    pub complete: bool,
    #[serde(default)]
    pub findings: Vec<ScanFinding>,
    /// Present when protocol checks ran; says whether the brute-force test did.
    #[serde(default)]
    pub check_settings: Option<serde_json::Value>,
    /// What a brute-force scan can vouch for when it finds no login to
    /// test; `None` if the brute-force test did not run in this scan.
    #[serde(skip)]
    pub login_coverage: Option<LoginCoverage>,
}

/// A sentence of the evaluation in English and Japanese.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Said {
    pub en: String,
    pub ja: String,
}

impl Said {
    pub fn new(en: impl Into<String>, ja: impl Into<String>) -> Said {
        Said { en: en.into(), ja: ja.into() }
    }

    /// Sentences joined: `; ` in English, `。` in Japanese.
    fn join(parts: &[Said]) -> Said {
        Said {
            en: parts.iter().map(|p| p.en.as_str()).collect::<Vec<_>>().join("; "),
            ja: parts.iter().map(|p| p.ja.as_str()).collect::<Vec<_>>().join("。"),
        }
    }
}

fn verdict_ja(v: Verdict) -> &'static str {
    match v {
        Verdict::Conforms => "適合",
        Verdict::DoesNotConform => "不適合",
        Verdict::Inconclusive => "判定不能",
    }
}

/// How far a scan with the brute-force test looked for password logins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginCoverage {
    /// Every interface the scan found reachable (`tcp/22`, `udp/161`).
    pub exposed: Vec<String>,
    /// Why a password login could exist that the test did not look for:
    /// ports not scanned, checks not run, services with no login test.
    pub gaps: Vec<Said>,
}

/// Services whose logins the credential check looks for (and so the
/// brute-force test would try).
const LOGIN_TESTED: &[&str] = &["ssh", "telnet", "ftp", "mqtt", "rtsp", "http"];
/// UDP services with no login of any kind.
const UDP_NO_LOGIN: &[&str] = &["dns", "tftp", "ntp", "netbios-ns", "ssdp", "ws-discovery", "mdns", "coap"];

/// A vulnerability finding as `starmark vuln --json` writes it.
#[derive(Debug, Clone, Deserialize)]
pub struct VulnFinding {
    pub id: String,
    pub advisory: String,
    pub status: String,
}

/// The fields of a `starmark-vuln/1` report the rules read.
#[derive(Debug, Clone, Deserialize)]
pub struct VulnInput {
    pub format: String,
    pub verdict: Verdict,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub findings: Vec<VulnFinding>,
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{file}: not a {format} report ({message}); give the output of `{command}`")]
    Shape { file: String, format: &'static str, command: &'static str, message: String },
}

impl ScanInput {
    pub fn parse(file: &str, bytes: &[u8]) -> Result<ScanInput, InputError> {
        let err = |message: String| InputError::Shape {
            file: file.into(),
            format: "starmark-scan/1",
            command: "starmark scan ADDR --json",
            message,
        };
        let raw: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| err(e.to_string()))?;
        let mut s = ScanInput::deserialize(&raw).map_err(|e| err(e.to_string()))?;
        if s.format != "starmark-scan/1" {
            return Err(err(format!("its format is {:?}", s.format)));
        }
        if s.brute_force_ran() {
            s.login_coverage = Some(login_coverage(&raw, &s.findings));
        }
        Ok(s)
    }

    fn brute_force_ran(&self) -> bool {
        self.check_settings.as_ref().and_then(|c| c.get("brute_force")).is_some_and(|b| !b.is_null())
            || self
                .findings
                .iter()
                .any(|f| f.id.starts_with("bruteforce/") || f.id.starts_with("inconclusive/brute-force/"))
    }
}

/// Reads from a scan report how far its brute-force test looked (rule in
/// `docs/evaluate.md`, S1.1-04).
fn login_coverage(raw: &serde_json::Value, findings: &[ScanFinding]) -> LoginCoverage {
    use serde_json::Value;
    let port = |p: &Value| p.get("port").and_then(Value::as_u64).unwrap_or(0);
    let list = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
    let mut c = LoginCoverage::default();
    match raw.pointer("/tcp/scanned").and_then(Value::as_str) {
        Some("1-65535") => {}
        other => {
            let ports = other.unwrap_or("(unknown)");
            c.gaps.push(Said::new(
                format!("the scan covered TCP ports {ports} only, not 1-65535"),
                format!("走査した TCP ポートは {ports} のみで、1-65535 のすべてではない"),
            ));
        }
    }
    let enabled: Vec<String> =
        list(raw.pointer("/check_settings/enabled")).iter().filter_map(|v| v.as_str().map(String::from)).collect();
    for check in ["credentials", "http"] {
        if !enabled.iter().any(|e| e == check) {
            c.gaps.push(Said::new(
                format!("the {check} check did not run, so logins it finds were not looked for"),
                format!("{check} 検査を実行しておらず、それが見つけるログインを探していない"),
            ));
        }
    }
    let checks = list(raw.get("checks"));
    let checked = |check: &str, p: u64| {
        checks.iter().any(|x| {
            x.get("check").and_then(Value::as_str) == Some(check) && x.get("port").and_then(Value::as_u64) == Some(p)
        })
    };
    for p in list(raw.pointer("/tcp/open")) {
        let n = port(&p);
        c.exposed.push(format!("tcp/{n}"));
        let name = p.pointer("/service/name").and_then(Value::as_str).unwrap_or("unknown");
        if LOGIN_TESTED.contains(&name) || (name == "tls" && checked("http", n)) {
            continue;
        }
        c.gaps.push(match name {
            "tls" => Said::new(
                format!("tcp/{n} speaks TLS but no web check ran on it, so a login there was not looked for"),
                format!("tcp/{n} は TLS で応答したが Web の検査を実行しておらず、そこでのログインを探していない"),
            ),
            "unknown" => Said::new(
                format!("the service on tcp/{n} could not be identified, so a login there was not looked for"),
                format!("tcp/{n} のサービスを識別できず、そこでのログインを探していない"),
            ),
            other => Said::new(
                format!("tcp/{n} ({other}): starmark has no brute-force test for this service"),
                format!("tcp/{n}（{other}）: このサービスの総当たり試験は starmark にない"),
            ),
        });
    }
    for p in list(raw.pointer("/udp/ports")) {
        let n = port(&p);
        match p.get("state").and_then(Value::as_str) {
            Some("open") => {
                c.exposed.push(format!("udp/{n}"));
                let service = p.get("service").and_then(Value::as_str).unwrap_or("unknown");
                if !UDP_NO_LOGIN.contains(&service) {
                    c.gaps.push(Said::new(
                        format!("udp/{n} ({service}): its secrets (such as SNMP communities) can be guessed and starmark has no brute-force test for them"),
                        format!("udp/{n}（{service}）: その秘密情報（SNMP コミュニティ等）は推測でき、starmark にはその総当たり試験がない"),
                    ));
                }
            }
            Some("open_unrecognised") => {
                c.exposed.push(format!("udp/{n}"));
                c.gaps.push(Said::new(
                    format!("the service on udp/{n} could not be identified, so a login there was not looked for"),
                    format!("udp/{n} のサービスを識別できず、そこでのログインを探していない"),
                ));
            }
            _ => {}
        }
    }
    // A password login the SSH check saw but the test did not try (only
    // keyboard-interactive, for instance).
    for f in findings.iter().filter(|f| f.id.starts_with("ssh/password-login/")) {
        let at = format!("/{}", f.id.trim_start_matches("ssh/password-login/"));
        if !findings.iter().any(|b| b.id.starts_with("bruteforce/") && b.id.ends_with(&at)) {
            c.gaps.push(Said::new(
                format!("{}: the SSH server takes passwords but the brute-force test did not try it", f.id),
                format!("{}: SSH サーバはパスワードを受け付けるが、総当たり試験はそれを試していない", f.id),
            ));
        }
    }
    c
}

impl VulnInput {
    pub fn parse(file: &str, bytes: &[u8]) -> Result<VulnInput, InputError> {
        let err = |message: String| InputError::Shape {
            file: file.into(),
            format: "starmark-vuln/1",
            command: "starmark vuln --sbom FILE --advisories PATH --json",
            message,
        };
        let v: VulnInput = serde_json::from_slice(bytes).map_err(|e| err(e.to_string()))?;
        if v.format != "starmark-vuln/1" {
            return Err(err(format!("its format is {:?}", v.format)));
        }
        Ok(v)
    }
}

/// Where the device evidence is kept, for the items' `evidence` entries.
#[derive(Debug, Clone, Default)]
pub struct EvidenceFiles {
    /// Bundle-relative path and SHA-256 of the scan report.
    pub scan: Option<(String, String)>,
    pub vuln: Option<(String, String)>,
}

/// How one criterion was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemEvaluation {
    pub id: String,
    /// The verdict in the completed checklist (`None`: left to the vendor and unanswered).
    pub verdict: Option<Verdict>,
    /// What the vendor's checklist said.
    pub vendor_verdict: Option<Verdict>,
    /// `device_check` (the rule decided), `document` (the vendor's answer
    /// kept), or `device_overrides_document`.
    pub decided_by: &'static str,
    /// The rule applied, in words.
    pub basis: String,
    pub basis_ja: String,
    /// The scan and vulnerability findings the verdict rests on.
    pub findings: Vec<String>,
    /// The vendor's answer and the device disagree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contradiction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contradiction_ja: Option<String>,
    /// What the evaluator must account for (warnings, unfinished checks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attention: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attention_ja: Vec<String>,
}

impl ItemEvaluation {
    /// Adds a note for the evaluator, in both languages.
    pub fn attend(&mut self, note: Said) {
        self.attention.push(note.en);
        self.attention_ja.push(note.ja);
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub format: &'static str,
    pub items: Vec<ItemEvaluation>,
    pub contradictions: usize,
}

fn worst(a: Verdict, b: Verdict) -> Verdict {
    use Verdict::{Conforms, DoesNotConform, Inconclusive};
    match (a, b) {
        (DoesNotConform, _) | (_, DoesNotConform) => DoesNotConform,
        (Inconclusive, _) | (_, Inconclusive) => Inconclusive,
        (Conforms, Conforms) => Conforms,
    }
}

fn unfinished(f: &ScanFinding) -> bool {
    f.id.starts_with("inconclusive/") || f.id == "incomplete/scan"
}

/// The device-check verdict for S1.1-13.
fn s1_1_13(scan: Option<&ScanInput>, vuln: Option<&VulnInput>) -> (Verdict, Said, Vec<String>) {
    let mut why = Vec::new();
    let mut findings = Vec::new();
    let mut verdict = Verdict::Conforms;
    match scan {
        None => {
            verdict = Verdict::Inconclusive;
            why.push(no_scan());
        }
        Some(s) => {
            let bearing: Vec<&ScanFinding> =
                s.findings.iter().filter(|f| f.criteria.iter().any(|c| c == "S1.1-13")).collect();
            let high: Vec<&&ScanFinding> = bearing.iter().filter(|f| f.severity == "high" && !unfinished(f)).collect();
            let open: Vec<&&ScanFinding> = bearing.iter().filter(|f| unfinished(f)).collect();
            if !high.is_empty() {
                verdict = Verdict::DoesNotConform;
                why.push(Said::new(
                    format!("the scan found {} risky or undeclared interface finding(s)", high.len()),
                    format!("走査で危険又は未申告のインタフェースが {} 件見つかった", high.len()),
                ));
                findings.extend(high.iter().map(|f| f.id.clone()));
            }
            if !s.complete || !open.is_empty() {
                verdict = worst(verdict, Verdict::Inconclusive);
                why.push(Said::new(
                    "the scan is incomplete or a check on an interface could not finish",
                    "走査が完了していないか、インタフェースの検査が終わらなかった",
                ));
                findings.extend(open.iter().map(|f| f.id.clone()));
            }
            if high.is_empty() && s.complete && open.is_empty() {
                why.push(Said::new(
                    format!("the scan completed; {} exposed interface(s), none risky or undeclared", bearing.len()),
                    format!("走査は完了し、公開インタフェース {} 件のいずれも危険でも未申告でもない", bearing.len()),
                ));
                findings.extend(bearing.iter().map(|f| f.id.clone()));
            }
        }
    }
    match vuln {
        None => {
            verdict = worst(verdict, Verdict::Inconclusive);
            why.push(Said::new(
                "no known-vulnerability check (SBOM and advisories) was given",
                "既知の脆弱性の検査（SBOM と脆弱性情報）が与えられていない",
            ));
        }
        Some(v) => {
            verdict = worst(verdict, v.verdict);
            why.push(Said::new(
                format!("the known-vulnerability check gives {}: {}", v.verdict.id(), v.reasons.join("; ")),
                format!("既知の脆弱性の検査の結果は{}: {}", verdict_ja(v.verdict), v.reasons.join("; ")),
            ));
            findings.extend(v.findings.iter().filter(|f| f.status == "affected").map(|f| f.id.clone()));
        }
    }
    (verdict, Said::join(&why), findings)
}

fn no_scan() -> Said {
    Said::new("no scan of the device was given", "機器の走査結果が与えられていない")
}

/// What the brute-force test says about S1.1-04.
enum BruteForce {
    /// The test decides: verdict, basis, findings.
    Decided(Verdict, Said, Vec<String>),
    /// A complete scan found no interface that takes a password, every
    /// exposed service identified: nothing to guess at, so the test cannot
    /// decide and the vendor's account of its logins stands.
    NoPasswordLogin(Said, Vec<String>),
}

/// The device-check verdict for S1.1-04, from the brute-force test only.
fn s1_1_04(scan: Option<&ScanInput>) -> BruteForce {
    let Some(s) = scan else {
        return BruteForce::Decided(Verdict::Inconclusive, no_scan(), Vec::new());
    };
    if !s.brute_force_ran() {
        return BruteForce::Decided(
            Verdict::Inconclusive,
            Said::new(
                "the brute-force test did not run (`starmark scan --danger-brute-force-test`); S1.1-04 is decided only by it",
                "総当たり試験（starmark scan --danger-brute-force-test）を実施していない。S1.1-04 はこの試験でのみ判定する",
            ),
            Vec::new(),
        );
    }
    let of = |prefix: &str| -> Vec<String> {
        s.findings.iter().filter(|f| f.id.starts_with(prefix)).map(|f| f.id.clone()).collect()
    };
    let failed: Vec<String> = [of("bruteforce/no-resistance"), of("bruteforce/accepts-wrong-password")].concat();
    let open = of("inconclusive/brute-force/");
    let resists = of("bruteforce/resists");
    if !failed.is_empty() {
        return BruteForce::Decided(
            Verdict::DoesNotConform,
            Said::new("a login surface did not resist the brute-force test", "総当たり試験に耐えないログイン面がある"),
            failed,
        );
    }
    if !open.is_empty() {
        return BruteForce::Decided(
            Verdict::Inconclusive,
            Said::new(
                "the brute-force test could not finish on a login surface",
                "総当たり試験が終わらなかったログイン面がある",
            ),
            open,
        );
    }
    // Whether surfaces resisted or none was found, the test settles
    // nothing unless the scan with it saw the whole device and could have
    // found every login on it.
    let unfinished: Vec<String> = s.findings.iter().filter(|f| unfinished(f)).map(|f| f.id.clone()).collect();
    let gaps: Vec<Said> = match &s.login_coverage {
        Some(c) => c.gaps.clone(),
        None => vec![Said::new(
            "no scan with the brute-force test says what it covered",
            "総当たり試験を含む走査の対象範囲が分からない",
        )],
    };
    if !s.complete || !unfinished.is_empty() || !gaps.is_empty() {
        let mut why = vec![if resists.is_empty() {
            Said::new(
                "the brute-force test found no login surface to test, but",
                "総当たり試験で試すログイン面は見つからなかったが、次の点で見落としがありうる",
            )
        } else {
            Said::new(
                format!("every login surface tested ({}) locked out or slowed down, but", resists.len()),
                format!(
                    "試したログイン面（{} 件）はすべてロックアウト又は遅延したが、次の点で見落としがありうる",
                    resists.len()
                ),
            )
        }];
        if !s.complete || !unfinished.is_empty() {
            why.push(Said::new(
                "the scan is incomplete or a check could not finish, so a login may have been missed",
                "走査が完了していないか検査が終わらず、ログインを見落とした可能性がある",
            ));
        }
        why.extend(gaps);
        return BruteForce::Decided(Verdict::Inconclusive, Said::join(&why), [unfinished, resists].concat());
    }
    if !resists.is_empty() {
        let basis = Said::new(
            format!("every login surface tested ({}) locked out or slowed down", resists.len()),
            format!("試したログイン面（{} 件）はすべてロックアウト又は遅延した", resists.len()),
        );
        return BruteForce::Decided(Verdict::Conforms, basis, resists);
    }
    let exposed: Vec<String> =
        s.findings.iter().filter(|f| f.id.starts_with("exposed/")).map(|f| f.id.clone()).collect();
    BruteForce::NoPasswordLogin(
        Said::new(
            format!(
                "the brute-force test ran on a complete scan and found no interface that takes a password \
                 ({} exposed, every service identified); nothing could be guessed at, so the vendor's account of \
                 how users log in stands",
                exposed.len()
            ),
            format!(
                "総当たり試験は完了した走査で実施し、パスワードで入れるインタフェースは見つからなかった\
                 （公開 {} 件、サービスはすべて識別済み）。推測の対象がないため、利用者の認証方法についての\
                 ベンダーの回答を採る",
                exposed.len()
            ),
        ),
        exposed,
    )
}

/// Evaluates a checklist against the device evidence and returns the
/// completed checklist with how each item was decided.
pub fn evaluate(
    checklist: &Checklist,
    scan: Option<&ScanInput>,
    vuln: Option<&VulnInput>,
    files: &EvidenceFiles,
) -> (Checklist, Evaluation) {
    let mut out = checklist.clone();
    let mut items = Vec::new();
    for item in &mut out.items {
        let mut no_password_login = None;
        let vendor = item.verdict;
        let file_evidence = |with_vuln: bool| -> Vec<Evidence> {
            let mut e = Vec::new();
            if let Some((path, sha)) = &files.scan {
                e.push(Evidence {
                    path: Some(path.clone()),
                    sha256: Some(sha.clone()),
                    finding: None,
                    description: Some("starmark scan report".into()),
                });
            }
            if with_vuln && let Some((path, sha)) = &files.vuln {
                e.push(Evidence {
                    path: Some(path.clone()),
                    sha256: Some(sha.clone()),
                    finding: None,
                    description: Some("starmark vuln report".into()),
                });
            }
            e
        };
        let device = match item.id.as_str() {
            "S1.1-13" => Some((s1_1_13(scan, vuln), true)),
            "S1.1-04" => match s1_1_04(scan) {
                BruteForce::Decided(verdict, basis, findings) => Some(((verdict, basis, findings), false)),
                BruteForce::NoPasswordLogin(basis, findings) => {
                    no_password_login = Some((basis, findings));
                    None
                }
            },
            _ => None,
        };
        let id = item.id.clone();
        let record = |verdict: Option<Verdict>,
                      decided_by: &'static str,
                      basis: Said,
                      findings: Vec<String>,
                      contradiction: Option<Said>,
                      attention: Vec<Said>| {
            let mut e = ItemEvaluation {
                id: id.clone(),
                verdict,
                vendor_verdict: vendor,
                decided_by,
                basis: basis.en,
                basis_ja: basis.ja,
                findings,
                contradiction_ja: contradiction.as_ref().map(|c| c.ja.clone()),
                contradiction: contradiction.map(|c| c.en),
                attention: Vec::new(),
                attention_ja: Vec::new(),
            };
            for a in attention {
                e.attend(a);
            }
            e
        };
        if item.applicability == Some(Applicability::NotApplicable) {
            let basis =
                Said::new("the vendor declares the criterion not applicable", "ベンダーはこの要件を対象外としている");
            items.push(record(None, "document", basis, Vec::new(), None, Vec::new()));
            continue;
        }
        if let Some(((verdict, basis, findings), with_vuln)) = device {
            let contradiction = match (vendor, verdict) {
                (Some(Verdict::Conforms), Verdict::DoesNotConform) => Some(Said::new(
                    format!("the vendor's checklist says conforms; the device check shows otherwise: {}", basis.en),
                    format!("チェックリストでは適合としているが、実機確認の結果は異なる: {}", basis.ja),
                )),
                _ => None,
            };
            set(item, verdict, MethodUsed::DeviceCheck, &findings, file_evidence(with_vuln));
            items.push(record(Some(verdict), "device_check", basis, findings, contradiction, Vec::new()));
            continue;
        }
        if let Some((basis, findings)) = no_password_login {
            // The device check stands behind the vendor's answer without
            // deciding it: the method and the scan are recorded, the verdict
            // is the vendor's.
            if let Some(v) = vendor {
                set(item, v, MethodUsed::DeviceCheck, &findings, file_evidence(false));
                if !item.method.contains(&MethodUsed::Document) {
                    item.method.push(MethodUsed::Document);
                    item.method.sort();
                }
            }
            let note = Said::new(
                "say in the remarks how users authenticate (e.g. SSH keys only, pairing through the app) and \
                 why no password can be guessed over the network",
                "利用者の認証方法（SSH の公開鍵のみ、アプリ経由のペアリング等）と、ネットワーク経由でパスワードを\
                 推測できない理由を備考に書いてください",
            );
            items.push(record(vendor, "document", basis, findings, None, vec![note]));
            continue;
        }
        // Document criteria: the vendor's answer, unless the device shows
        // it cannot hold.
        let bearing: Vec<&ScanFinding> =
            scan.map(|s| s.findings.iter().filter(|f| f.criteria.contains(&item.id)).collect()).unwrap_or_default();
        let high: Vec<String> =
            bearing.iter().filter(|f| f.severity == "high" && !unfinished(f)).map(|f| f.id.clone()).collect();
        let mut attention: Vec<Said> = bearing
            .iter()
            .filter(|f| f.severity == "warning")
            .map(|f| {
                Said::new(
                    format!("{}: {} — account for it in the remarks", f.id, f.title),
                    format!("{}: {} — 備考で説明してください", f.id, f.title_ja()),
                )
            })
            .collect();
        attention.extend(bearing.iter().filter(|f| unfinished(f)).map(|f| {
            Said::new(
                format!("{}: a device check bearing on this criterion could not finish", f.id),
                format!("{}: この要件に関わる実機確認が終わらなかった", f.id),
            )
        }));
        if !high.is_empty() {
            let basis = Said::new(
                format!("the device shows {} high-severity finding(s) bearing on this criterion", high.len()),
                format!("実機でこの要件に関わる重大な所見が {} 件ある", high.len()),
            );
            let contradiction = (vendor == Some(Verdict::Conforms)).then(|| {
                Said::new(
                    format!("the vendor's checklist says conforms; the device shows {}", high.join(", ")),
                    format!("チェックリストでは適合としているが、実機では次が見つかった: {}", high.join(", ")),
                )
            });
            set(item, Verdict::DoesNotConform, MethodUsed::DeviceCheck, &high, file_evidence(false));
            let verdict = Some(Verdict::DoesNotConform);
            items.push(record(verdict, "device_overrides_document", basis, high, contradiction, attention));
        } else {
            let basis = if bearing.is_empty() {
                Said::new(
                    "the vendor's document review; no device finding bears on it",
                    "ベンダーの文書確認による。この要件に関わる実機の所見はない",
                )
            } else {
                Said::new(
                    format!(
                        "the vendor's document review; {} device finding(s) bear on it, none failing it",
                        bearing.len()
                    ),
                    format!(
                        "ベンダーの文書確認による。この要件に関わる実機の所見 {} 件はいずれも不適合を示さない",
                        bearing.len()
                    ),
                )
            };
            let findings = bearing.iter().map(|f| f.id.clone()).collect();
            items.push(record(vendor, "document", basis, findings, None, attention));
        }
    }
    let contradictions = items.iter().filter(|i| i.contradiction.is_some()).count();
    (out, Evaluation { format: "starmark-evaluation/1", items, contradictions })
}

/// Sets an item from device evidence: applicable, the verdict, the method
/// added, the findings and report files as evidence.
fn set(item: &mut Item, verdict: Verdict, method: MethodUsed, findings: &[String], files: Vec<Evidence>) {
    item.applicability = Some(Applicability::Applicable);
    item.verdict = Some(verdict);
    if !item.method.contains(&method) {
        item.method.push(method);
        item.method.sort();
    }
    for e in files {
        // A report cited by an earlier evaluation under the same path is
        // replaced: the digest must be this evaluation's.
        match item.evidence.iter_mut().find(|x| x.path.is_some() && x.path == e.path) {
            Some(x) => *x = e,
            None => item.evidence.push(e),
        }
    }
    for f in findings {
        if !item.evidence.iter().any(|x| x.finding.as_deref() == Some(f.as_str())) {
            item.evidence.push(Evidence { path: None, sha256: None, finding: Some(f.clone()), description: None });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, severity: &str, criteria: &[&str]) -> ScanFinding {
        ScanFinding {
            id: id.into(),
            severity: severity.into(),
            criteria: criteria.iter().map(|c| c.to_string()).collect(),
            title: id.into(),
            title_ja: String::new(),
            evidence: String::new(),
        }
    }

    fn scan(complete: bool, findings: Vec<ScanFinding>) -> ScanInput {
        ScanInput { format: "starmark-scan/1".into(), complete, findings, check_settings: None, login_coverage: None }
    }

    /// A scan whose settings say the brute-force test ran, covering every
    /// interface it found with nothing left unlooked at.
    fn brute_forced(complete: bool, findings: Vec<ScanFinding>) -> ScanInput {
        let check_settings = Some(serde_json::json!({"brute_force": {"attempts": 10, "pace": 1000}}));
        let exposed = findings.iter().filter_map(|f| f.id.strip_prefix("exposed/")).map(String::from).collect();
        let login_coverage = Some(LoginCoverage { exposed, gaps: Vec::new() });
        ScanInput { check_settings, login_coverage, ..scan(complete, findings) }
    }

    fn vuln(verdict: Verdict) -> VulnInput {
        VulnInput { format: "starmark-vuln/1".into(), verdict, reasons: vec!["r".into()], findings: Vec::new() }
    }

    fn checklist(items: &[(&str, Option<Verdict>, Option<Applicability>)]) -> Checklist {
        Checklist {
            items: items
                .iter()
                .map(|(id, verdict, applicability)| Item {
                    id: id.to_string(),
                    verdict: *verdict,
                    applicability: *applicability,
                    ..Item::default()
                })
                .collect(),
            ..Checklist::default()
        }
    }

    fn en(gaps: &[Said]) -> String {
        gaps.iter().map(|g| g.en.as_str()).collect::<Vec<_>>().join("\n")
    }

    fn verdict_of(e: &Evaluation, id: &str) -> Option<Verdict> {
        e.items.iter().find(|i| i.id == id).and_then(|i| i.verdict)
    }

    #[test]
    fn s1_1_13_needs_both_checks_and_takes_the_worst() {
        let c = checklist(&[("S1.1-13", Some(Verdict::Conforms), None)]);
        let clean = scan(true, vec![finding("exposed/tcp/443", "info", &["S1.1-13"])]);
        let files = EvidenceFiles::default();
        let run = |s: Option<&ScanInput>, v: Option<&VulnInput>| verdict_of(&evaluate(&c, s, v, &files).1, "S1.1-13");
        assert_eq!(run(Some(&clean), Some(&vuln(Verdict::Conforms))), Some(Verdict::Conforms));
        assert_eq!(run(Some(&clean), None), Some(Verdict::Inconclusive), "no SBOM check");
        assert_eq!(run(None, Some(&vuln(Verdict::Conforms))), Some(Verdict::Inconclusive), "no scan");
        assert_eq!(run(Some(&clean), Some(&vuln(Verdict::Inconclusive))), Some(Verdict::Inconclusive));
        assert_eq!(run(Some(&clean), Some(&vuln(Verdict::DoesNotConform))), Some(Verdict::DoesNotConform));
        assert_eq!(run(Some(&scan(false, Vec::new())), Some(&vuln(Verdict::Conforms))), Some(Verdict::Inconclusive));
        let telnet = scan(true, vec![finding("risky/tcp/23", "high", &["S1.1-13", "S1.1-12"])]);
        assert_eq!(run(Some(&telnet), Some(&vuln(Verdict::Inconclusive))), Some(Verdict::DoesNotConform));
        let unfinished = scan(true, vec![finding("inconclusive/upnp/tcp/5000", "high", &["S1.1-01", "S1.1-13"])]);
        assert_eq!(run(Some(&unfinished), Some(&vuln(Verdict::Conforms))), Some(Verdict::Inconclusive), "never a pass");
    }

    #[test]
    fn s1_1_04_only_from_the_brute_force_test() {
        let c = checklist(&[("S1.1-04", Some(Verdict::Conforms), None)]);
        let files = EvidenceFiles::default();
        let run =
            |f: Vec<ScanFinding>| verdict_of(&evaluate(&c, Some(&brute_forced(true, f)), None, &files).1, "S1.1-04");
        let not_run = evaluate(&c, Some(&scan(true, Vec::new())), None, &files).1;
        assert_eq!(
            verdict_of(&not_run, "S1.1-04"),
            Some(Verdict::Inconclusive),
            "not run: the vendor's answer does not count"
        );
        // Resisting surfaces with a gap in what was looked at: not a pass.
        let gappy = ScanInput {
            login_coverage: Some(LoginCoverage {
                exposed: Vec::new(),
                gaps: vec![Said::new("tcp/8000 unknown", "tcp/8000 不明")],
            }),
            ..brute_forced(true, vec![finding("bruteforce/resists/tcp/22", "info", &["S1.1-04"])])
        };
        let e = evaluate(&c, Some(&gappy), None, &files).1;
        assert_eq!(verdict_of(&e, "S1.1-04"), Some(Verdict::Inconclusive));
        assert!(e.items[0].basis.contains("tcp/8000 unknown"), "{}", e.items[0].basis);
        assert_eq!(run(vec![finding("bruteforce/resists/tcp/22", "info", &["S1.1-04"])]), Some(Verdict::Conforms));
        assert_eq!(
            run(vec![
                finding("bruteforce/resists/tcp/22", "info", &["S1.1-04"]),
                finding("bruteforce/no-resistance/tcp/21", "high", &["S1.1-04"])
            ]),
            Some(Verdict::DoesNotConform)
        );
        assert_eq!(
            run(vec![
                finding("bruteforce/resists/tcp/22", "info", &["S1.1-04"]),
                finding("inconclusive/brute-force/tcp/23", "high", &["S1.1-04"])
            ]),
            Some(Verdict::Inconclusive)
        );
    }

    #[test]
    fn s1_1_04_with_no_password_login_anywhere_keeps_the_vendors_answer() {
        let exposed =
            || vec![finding("exposed/tcp/22", "info", &["S1.1-13"]), finding("exposed/tcp/443", "info", &["S1.1-13"])];
        let files = EvidenceFiles { scan: Some(("evidence/scan/scan-1.json".into(), "ab".repeat(32))), vuln: None };
        let run = |vendor: Option<Verdict>, s: &ScanInput| {
            let c = checklist(&[("S1.1-04", vendor, None)]);
            let (done, e) = evaluate(&c, Some(s), None, &files);
            (done.items[0].clone(), e.items[0].clone())
        };
        let (item, e) = run(Some(Verdict::Conforms), &brute_forced(true, exposed()));
        assert_eq!((e.verdict, e.decided_by), (Some(Verdict::Conforms), "document"));
        assert!(e.basis.contains("no interface that takes a password"), "{}", e.basis);
        assert_eq!(e.findings, ["exposed/tcp/22", "exposed/tcp/443"]);
        assert!(e.attention[0].contains("remarks"));
        assert_eq!(item.method, [MethodUsed::Document, MethodUsed::DeviceCheck]);
        assert!(item.evidence.iter().any(|x| x.path.as_deref() == Some("evidence/scan/scan-1.json")));
        // The device check does not answer for the vendor.
        let (item, e) = run(None, &brute_forced(true, exposed()));
        assert_eq!((e.verdict, item.verdict), (None, None));
        let (_, e) = run(Some(Verdict::DoesNotConform), &brute_forced(true, exposed()));
        assert_eq!(e.verdict, Some(Verdict::DoesNotConform));
        // A gap in what the test looked at (a service it cannot name or
        // test, ports not scanned): never a pass, and the gap is named.
        let gap = "the service on tcp/8000 could not be identified, so a login there was not looked for";
        let unknown = ScanInput {
            login_coverage: Some(LoginCoverage { exposed: vec!["tcp/8000".into()], gaps: vec![Said::new(gap, "")] }),
            ..brute_forced(true, exposed())
        };
        let (_, e) = run(Some(Verdict::Conforms), &unknown);
        assert_eq!((e.verdict, e.decided_by), (Some(Verdict::Inconclusive), "device_check"));
        assert!(e.basis.contains(gap), "{}", e.basis);
        let (_, e) = run(Some(Verdict::Conforms), &brute_forced(false, exposed()));
        assert_eq!(e.verdict, Some(Verdict::Inconclusive), "incomplete scan");
        let mut stuck = exposed();
        stuck.push(finding("inconclusive/http/tcp/443", "high", &["S1.1-01"]));
        let (_, e) = run(Some(Verdict::Conforms), &brute_forced(true, stuck));
        assert_eq!(e.verdict, Some(Verdict::Inconclusive), "a check that could not finish");
        // Without the test there is nothing to stand behind the answer.
        let (_, e) = run(Some(Verdict::Conforms), &scan(true, exposed()));
        assert_eq!(e.verdict, Some(Verdict::Inconclusive));
    }

    #[test]
    fn a_brute_force_scan_names_where_it_could_not_look() {
        let report = |scanned: &str, enabled: &str, extra: &str| {
            format!(
                r#"{{"format": "starmark-scan/1", "complete": true, "findings": [{extra}],
                "check_settings": {{"enabled": [{enabled}], "brute_force": {{"attempts": 10, "pace": 1000}}}},
                "checks": [{{"check": "http", "port": 443}}],
                "tcp": {{"scanned": "{scanned}", "open": [{{"port": 22, "service": {{"name": "ssh"}}}},
                  {{"port": 443, "service": {{"name": "tls"}}}}, {{"port": 8883, "service": {{"name": "tls"}}}},
                  {{"port": 8000}}, {{"port": 81, "service": {{"name": "unknown"}}}}, {{"port": 5432, "service": {{"name": "postgresql"}}}}]}},
                "udp": {{"ports": [{{"port": 53, "state": "closed"}}, {{"port": 123, "state": "open", "service": "ntp"}},
                  {{"port": 161, "state": "open", "service": "snmp"}}, {{"port": 5000, "state": "open_unrecognised", "reply_bytes": 3}}]}}}}"#
            )
        };
        let s = ScanInput::parse("s.json", report("1-65535", r#""credentials", "http""#, "").as_bytes()).unwrap();
        let c = s.login_coverage.unwrap();
        assert_eq!(
            c.exposed,
            ["tcp/22", "tcp/443", "tcp/8883", "tcp/8000", "tcp/81", "tcp/5432", "udp/123", "udp/161", "udp/5000"]
        );
        let gaps = en(&c.gaps);
        for named in [
            "tcp/8883 speaks TLS",
            "tcp/8000 could not",
            "tcp/81 could not",
            "tcp/5432 (postgresql)",
            "udp/161 (snmp)",
            "udp/5000 could not",
        ] {
            assert!(gaps.contains(named), "{named}: {gaps}");
        }
        assert!(!gaps.contains("tcp/22") && !gaps.contains("tcp/443 ") && !gaps.contains("udp/123"), "{gaps}");
        // Partial scans and checks left out are gaps too.
        let s = ScanInput::parse("s.json", report("22", r#""ssh""#, "").as_bytes()).unwrap();
        let gaps = en(&s.login_coverage.unwrap().gaps);
        assert!(
            gaps.contains("TCP ports 22 only")
                && gaps.contains("the credentials check did not run")
                && gaps.contains("the http check did not run"),
            "{gaps}"
        );
        // SSH taking passwords the test did not try.
        let f = r#"{"id": "ssh/password-login/tcp/22", "severity": "info", "criteria": ["S1.1-04"]}"#;
        let s = ScanInput::parse("s.json", report("1-65535", r#""credentials", "http""#, f).as_bytes()).unwrap();
        assert!(en(&s.login_coverage.unwrap().gaps).contains("ssh/password-login/tcp/22"));
        // Without the brute-force test there is no coverage to speak of.
        let plain = br#"{"format": "starmark-scan/1", "complete": true, "findings": []}"#;
        assert_eq!(ScanInput::parse("s.json", plain).unwrap().login_coverage, None);
    }

    #[test]
    fn document_answers_stand_unless_the_device_refutes_them() {
        let c = checklist(&[
            ("S1.1-02", Some(Verdict::Conforms), None),
            ("S1.1-05", Some(Verdict::Conforms), None),
            ("S1.1-12", Some(Verdict::Conforms), None),
            ("S1.1-15", None, Some(Applicability::NotApplicable)),
        ]);
        let s = scan(
            true,
            vec![
                finding("default-credentials/tcp/23", "high", &["S1.1-02", "S1.1-01"]),
                ScanFinding {
                    title: "1883/tcp: MQTT only in plain text".into(),
                    title_ja: "1883/tcp: MQTT が平文でのみ提供されている".into(),
                    ..finding("mqtt/no-tls/tcp/1883", "warning", &["S1.1-12"])
                },
            ],
        );
        let (done, e) = evaluate(&c, Some(&s), None, &EvidenceFiles::default());
        assert_eq!(verdict_of(&e, "S1.1-02"), Some(Verdict::DoesNotConform));
        let s02 = e.items.iter().find(|i| i.id == "S1.1-02").unwrap();
        assert!(s02.contradiction.as_deref().unwrap().contains("default-credentials/tcp/23"));
        assert_eq!(verdict_of(&e, "S1.1-05"), Some(Verdict::Conforms));
        let s12 = e.items.iter().find(|i| i.id == "S1.1-12").unwrap();
        assert_eq!((s12.verdict, s12.decided_by), (Some(Verdict::Conforms), "document"));
        assert!(s12.attention[0].contains("mqtt/no-tls/tcp/1883"));
        assert_eq!(verdict_of(&e, "S1.1-15"), None);
        assert_eq!(e.contradictions, 1);
        // Every basis, contradiction and note is also said in Japanese.
        assert!(e.items.iter().all(|i| !i.basis_ja.is_empty() && i.attention.len() == i.attention_ja.len()));
        assert!(s02.contradiction_ja.as_deref().unwrap().starts_with("チェックリストでは適合としているが"));
        assert!(s12.attention_ja[0].contains("備考で説明してください"));
        // Each language quotes the finding's title in that language.
        assert!(s12.attention[0].contains("MQTT only in plain text"), "{:?}", s12.attention);
        assert!(s12.attention_ja[0].contains("MQTT が平文でのみ提供されている"), "{:?}", s12.attention_ja);
        assert!(!s12.attention_ja[0].contains("plain text"), "{:?}", s12.attention_ja);
        // A scan made before findings had Japanese titles: the English one.
        let old_scan = scan(true, vec![finding("mqtt/no-tls/tcp/1883", "warning", &["S1.1-12"])]);
        let (_, e) = evaluate(&c, Some(&old_scan), None, &EvidenceFiles::default());
        let s12 = e.items.iter().find(|i| i.id == "S1.1-12").unwrap();
        assert!(
            s12.attention_ja[0].starts_with("mqtt/no-tls/tcp/1883: mqtt/no-tls/tcp/1883 — "),
            "{:?}",
            s12.attention_ja
        );
        // The completed checklist carries the device's verdict and finding.
        let item = done.items.iter().find(|i| i.id == "S1.1-02").unwrap();
        assert_eq!(item.verdict, Some(Verdict::DoesNotConform));
        assert!(item.method.contains(&MethodUsed::DeviceCheck));
        assert!(item.evidence.iter().any(|x| x.finding.as_deref() == Some("default-credentials/tcp/23")));
    }

    #[test]
    fn reports_of_the_wrong_kind_are_refused() {
        let e = ScanInput::parse("x.json", br#"{"format": "starmark-vuln/1", "complete": true}"#).unwrap_err();
        assert!(e.to_string().contains("x.json: not a starmark-scan/1 report"), "{e}");
        assert!(ScanInput::parse("x.json", b"{").is_err());
        let e = VulnInput::parse("v.json", br#"{"format": "starmark-vuln/1", "verdict": "maybe"}"#).unwrap_err();
        assert!(e.to_string().contains("v.json"), "{e}");
    }
}
