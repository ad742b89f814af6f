//! The subcommands and their printers.
#![allow(
    clippy::indexing_slicing,
    reason = "only serde_json::Value is indexed here, and reading a missing key gives Null, never a panic"
)]

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::json;
use starmark_checklist::{Document, Encoding, ParseError, Report, Severity};
use starmark_criteria::{CatalogSet, Coverage, Lang, Requirement};

use crate::{
    AdminCommand, CheckArgs, ChecklistCommand, Cli, Command, ConfigCommand, CriteriaCommand, EvidenceCommand,
    FileFormat, KeyCommand, LabCommand, MapArgs, OrgCommand, OwnerCommand, ServerArgs, TokenCommand, VulnArgs,
};

/// The calendar date the checks use unless `--as-of` says otherwise. The one
/// place the binary reads the clock.
fn today() -> jiff::civil::Date {
    jiff::ZonedDateTime::now().date()
}

pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    let catalogs = match &cli.catalog {
        Some(dir) => CatalogSet::from_dir(dir),
        None => CatalogSet::embedded(),
    };
    let catalogs = match catalogs {
        Ok(c) => c,
        Err(e) => {
            eprint!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    match cli.command {
        Command::Criteria(c) => criteria(&catalogs, c),
        Command::Checklist(c) => checklist(&catalogs, c),
        Command::Map(m) => map(&catalogs, m),
        Command::Vuln(a) => vuln(a),
        Command::Keygen { out } => keygen(&out),
        Command::Evaluate(a) => crate::evaluate_cmd::evaluate(a, &catalogs),
        Command::Evidence(c) => evidence(c),
        other => online(catalogs, other),
    }
}

fn settings(a: &ServerArgs) -> Result<crate::config::Settings> {
    let env = |k: &str| std::env::var_os(k).is_some();
    use crate::config::Layer;
    crate::config::resolve(
        a.config.as_deref(),
        Layer { value: a.listen.clone(), from_env: env("STARMARK_LISTEN") },
        Layer { value: a.database_url.clone(), from_env: env("STARMARK_DATABASE_URL") },
        Layer { value: a.public_base_url.clone(), from_env: env("STARMARK_PUBLIC_BASE_URL") },
        Layer {
            value: a.log_key_file.as_ref().map(|p| p.display().to_string()),
            from_env: env("STARMARK_LOG_KEY_FILE"),
        },
    )
}

/// Commands that need the async runtime: the server and the clients.
fn online(catalogs: CatalogSet, cmd: Command) -> Result<ExitCode> {
    use crate::registry_cmds as rc;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        match cmd {
            Command::Serve { server: a, demo } => {
                tracing_subscriber::fmt()
                    .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                    .with_writer(std::io::stderr)
                    .init();
                if demo {
                    rc::serve_demo(settings(&a)?, catalogs).await
                } else {
                    rc::serve(&settings(&a)?, catalogs).await
                }
            }
            Command::Config(ConfigCommand::Check(a)) => {
                let s = settings(&a)?;
                println!("listen = {:?}", s.listen);
                println!("database_url = {:?}", crate::config::mask_url(&s.database_url));
                println!("public_base_url = {:?}", s.public_base_url);
                match &s.log_key_file {
                    Some(p) => println!("log_key_file = {:?}", p.display().to_string()),
                    None => println!("# log_key_file: {}", crate::log_cmds::default_key_note(&s)),
                }
                for (k, from) in &s.sources {
                    println!("# {k}: from {from}");
                }
                println!("# catalog: {}", catalogs.origin);
                Ok(ExitCode::SUCCESS)
            }
            Command::Admin(AdminCommand::Org(OrgCommand::Add { kind, name, accreditation, json, server })) => {
                rc::org_add(&settings(&server)?, catalogs, &kind, &name, accreditation, json).await
            }
            Command::Admin(AdminCommand::Org(OrgCommand::List { json, server })) => {
                rc::org_list(&settings(&server)?, json).await
            }
            Command::Admin(AdminCommand::Token(TokenCommand::Issue { org, role, label, server })) => {
                rc::token_issue(&settings(&server)?, catalogs, &org, &role, &label).await
            }
            Command::Admin(AdminCommand::Key(KeyCommand::Generate { name, out, server })) => {
                crate::log_cmds::key_generate(&settings(&server)?, name, &out)
            }
            Command::Admin(AdminCommand::Key(KeyCommand::Show { server })) => {
                crate::log_cmds::key_show(&settings(&server)?)
            }
            Command::Verify {
                label,
                registry,
                registry_key,
                bundle,
                save_bundle,
                status_list,
                max_status_age,
                json,
            } => {
                crate::log_cmds::verify(crate::log_cmds::VerifyArgs {
                    target: label,
                    registry,
                    registry_key,
                    bundle,
                    save_bundle,
                    status_list,
                    max_status_age: jiff::SignedDuration::from_mins(i64::from(max_status_age)),
                    json,
                })
                .await
            }
            Command::Monitor { registry, registry_key, state, max_entries, json } => {
                crate::log_cmds::monitor(&registry, &registry_key, state, max_entries, json).await
            }
            Command::Apply { file, client: c } => {
                let cl = rc::Client::new(&c.registry, c.token)?;
                let (s, v) = cl.post_checklist("/api/v1/applications", &file).await?;
                let code = rc::report(s, &v, c.json, rc::application_summary)?;
                // An application returned by the format check is a failure for the caller.
                Ok(if v["status"] == "returned" { ExitCode::from(1) } else { code })
            }
            Command::Renew { label, file, client: c } => {
                let cl = rc::Client::new(&c.registry, c.token)?;
                let (s, v) = cl
                    .post_checklist(&format!("/api/v1/labels/{}/renewals", starmark_api::percent_encode(&label)), &file)
                    .await?;
                let code = rc::report(s, &v, c.json, rc::application_summary)?;
                Ok(if v["status"] == "returned" { ExitCode::from(1) } else { code })
            }
            Command::ReportChange { label, description, evidence, client: c } => {
                let mut body = json!({"description": description});
                if let Some(dir) = evidence {
                    let b = starmark_evidence::verify(&dir, None).map_err(|problems| {
                        let lines: Vec<String> =
                            problems.iter().map(|p| format!("  {}: {}", p.file, p.message)).collect();
                        anyhow::anyhow!(
                            "{}: the evidence bundle does not verify; nothing was sent:\n{}",
                            dir.display(),
                            lines.join("\n")
                        )
                    })?;
                    if let Some(o) = body.as_object_mut() {
                        o.insert("evidence_manifest_sha256".into(), b.manifest_sha256.into());
                    }
                }
                let cl = rc::Client::new(&c.registry, c.token)?;
                let (s, v) = cl
                    .post_json(&format!("/api/v1/labels/{}/changes", starmark_api::percent_encode(&label)), body)
                    .await?;
                rc::report(s, &v, c.json, rc::label_summary)
            }
            Command::Status { id, client: c } => {
                let cl = rc::Client::new(&c.registry, c.token)?;
                if id.starts_with("app_") {
                    let (s, v) =
                        cl.get(&format!("/api/v1/applications/{}", starmark_api::percent_encode(&id)), true).await?;
                    rc::report(s, &v, c.json, rc::application_summary)
                } else {
                    let (s, v) =
                        cl.get(&format!("/api/v1/labels/{}", starmark_api::percent_encode(&id)), false).await?;
                    rc::report(s, &v, c.json, rc::label_summary)
                }
            }
            Command::Owner(o) => match o {
                OwnerCommand::Inquiry { application, outcome, note, client: c } => {
                    let cl = rc::Client::new(&c.registry, c.token)?;
                    let (s, v) = cl
                        .post_json(
                            &format!("/api/v1/applications/{}/inquiry", starmark_api::percent_encode(&application)),
                            json!({"outcome": outcome, "note": note}),
                        )
                        .await?;
                    rc::report(s, &v, c.json, rc::application_summary)
                }
                OwnerCommand::Grant { application, client: c } => {
                    let cl = rc::Client::new(&c.registry, c.token)?;
                    let (s, v) = cl
                        .post_json(
                            &format!("/api/v1/applications/{}/grant", starmark_api::percent_encode(&application)),
                            json!({}),
                        )
                        .await?;
                    rc::report(s, &v, c.json, rc::label_summary)
                }
                OwnerCommand::Refuse { application, reason, client: c } => {
                    let cl = rc::Client::new(&c.registry, c.token)?;
                    let (s, v) = cl
                        .post_json(
                            &format!("/api/v1/applications/{}/refuse", starmark_api::percent_encode(&application)),
                            json!({"reason": reason}),
                        )
                        .await?;
                    rc::report(s, &v, c.json, rc::application_summary)
                }
                OwnerCommand::Revoke { label, ground, statement, client: c } => {
                    let cl = rc::Client::new(&c.registry, c.token)?;
                    let (s, v) = cl
                        .post_json(
                            &format!("/api/v1/labels/{}/revoke", starmark_api::percent_encode(&label)),
                            json!({"ground": ground, "statement": statement}),
                        )
                        .await?;
                    rc::report(s, &v, c.json, rc::label_summary)
                }
            },
            Command::Lab(LabCommand::Report { application, file, client: c }) => {
                let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
                let body: serde_json::Value =
                    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
                let cl = rc::Client::new(&c.registry, c.token)?;
                let (s, v) = cl
                    .post_json(
                        &format!("/api/v1/applications/{}/report", starmark_api::percent_encode(&application)),
                        body,
                    )
                    .await?;
                rc::report(s, &v, c.json, rc::application_summary)
            }
            Command::Scan(a) => crate::scan_cmd::scan(a).await,
            Command::Criteria(_)
            | Command::Checklist(_)
            | Command::Map(_)
            | Command::Vuln(_)
            | Command::Keygen { .. }
            | Command::Evaluate(_)
            | Command::Evidence(_) => Ok(ExitCode::from(2)),
        }
    })
}

fn out() -> std::io::StdoutLock<'static> {
    std::io::stdout().lock()
}

fn print_json(v: &impl serde::Serialize) -> Result<()> {
    let mut o = out();
    serde_json::to_writer_pretty(&mut o, v)?;
    writeln!(o)?;
    Ok(())
}

fn criteria(catalogs: &CatalogSet, cmd: CriteriaCommand) -> Result<ExitCode> {
    match cmd {
        CriteriaCommand::List { scheme: None, json } => {
            let rows: Vec<_> = catalogs
                .catalogs
                .iter()
                .map(|c| {
                    json!({
                        "id": c.id(), "version": c.version(), "state": c.catalog.state,
                        "grace_end": c.catalog.grace_end.map(|d| d.to_string()),
                        "level": c.catalog.level, "title": c.catalog.title,
                        "requirements": c.requirements.len(),
                    })
                })
                .collect();
            if json {
                print_json(&json!({ "origin": catalogs.origin, "catalogs": rows }))?;
            } else {
                let mut o = out();
                for c in &catalogs.catalogs {
                    writeln!(
                        o,
                        "{:<18} {:<7} {:<10} {:>3}  {}",
                        c.id(),
                        c.version(),
                        format!("{:?}", c.catalog.state).to_lowercase(),
                        c.requirements.len(),
                        c.catalog.title.get(Lang::En)
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CriteriaCommand::List { scheme: Some(id), json } => {
            let Some(c) = catalogs.resolve(&id) else {
                bail!("no catalog named `{id}`; `starmark criteria list` shows the catalogs");
            };
            if json {
                print_json(&json!({
                    "catalog": { "id": c.id(), "version": c.version(), "state": c.catalog.state, "level": c.catalog.level, "title": c.catalog.title, "confidence": c.catalog.confidence },
                    "requirements": c.requirements.iter().map(requirement_row).collect::<Vec<_>>(),
                }))?;
            } else {
                let mut o = out();
                writeln!(o, "{} {} — {}", c.id(), c.version(), c.catalog.title.get(Lang::En))?;
                for r in &c.requirements {
                    let methods: Vec<&str> = r.methods.iter().map(|m| m.id()).collect();
                    let extra = match (r.status(), methods.is_empty()) {
                        (Some(s), _) => s,
                        (None, false) => methods.join("+"),
                        (None, true) => String::new(),
                    };
                    writeln!(o, "  {:<30} {:<22} {}", r.id, extra, r.title.get(Lang::En))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CriteriaCommand::Show { id, scheme, json } => {
            let found: Vec<_> = catalogs
                .catalogs
                .iter()
                .filter(|c| {
                    scheme.as_deref().is_none_or(|s| {
                        catalogs.resolve(s).is_some_and(|r| r.id() == c.id() && r.version() == c.version())
                    })
                })
                .filter_map(|c| c.requirement(&id).map(|r| (c, r)))
                .collect();
            if found.is_empty() {
                bail!(
                    "no requirement `{id}`{}; `starmark criteria list --scheme ID` lists a catalog's requirements",
                    scheme.map(|s| format!(" in {s}")).unwrap_or_default()
                );
            }
            let links = |c: &starmark_criteria::Catalog, r: &Requirement| -> Vec<LinkRow> {
                let mut v = Vec::new();
                for x in &catalogs.crosswalks {
                    let h = &x.crosswalk;
                    for l in &x.links {
                        if h.from.catalog == c.id() && h.from.version == c.version() && l.from == r.id {
                            v.push(LinkRow {
                                direction: "covers",
                                catalog: h.to.catalog.clone(),
                                version: h.to.version.clone(),
                                ids: l.to.clone(),
                                basis: l.basis,
                                note: l.note.clone(),
                            });
                        }
                        if h.to.catalog == c.id() && h.to.version == c.version() && l.to.contains(&r.id) {
                            v.push(LinkRow {
                                direction: "covered_by",
                                catalog: h.from.catalog.clone(),
                                version: h.from.version.clone(),
                                ids: vec![l.from.clone()],
                                basis: l.basis,
                                note: l.note.clone(),
                            });
                        }
                    }
                }
                v
            };
            if json {
                let v: Vec<_> = found.iter().map(|(c, r)| json!({ "catalog": c.id(), "version": c.version(), "requirement": r, "status": r.status(), "crosswalk": links(c, r) })).collect();
                print_json(&v)?;
            } else {
                let mut o = out();
                for (c, r) in &found {
                    writeln!(o, "{} ({} {})", r.id, c.id(), c.version())?;
                    for l in Lang::ALL {
                        if let Some(t) = r.title.exact(l) {
                            writeln!(o, "  {t}")?;
                        }
                    }
                    if let Some(s) = r.status() {
                        writeln!(o, "  status: {s}")?;
                        for n in &r.conditions {
                            if let Some(t) = c.conditions.get(n) {
                                writeln!(o, "    condition {n}: {}", t.get(Lang::En))?;
                            }
                        }
                    }
                    for (label, t) in [
                        ("summary", &r.summary),
                        ("applies when", &r.applies_when),
                        ("evidence", &r.guidance),
                        ("note", &r.note),
                    ] {
                        if let Some(t) = t {
                            for l in Lang::ALL {
                                if let Some(s) = t.exact(l) {
                                    writeln!(o, "  {label} [{}]: {s}", l.code())?;
                                }
                            }
                        }
                    }
                    if !r.methods.is_empty() || r.methods_basis.is_some() {
                        let m: Vec<&str> = r.methods.iter().map(|m| m.id()).collect();
                        writeln!(
                            o,
                            "  method: {} ({:?})",
                            if m.is_empty() { "unknown".into() } else { m.join(" + ") },
                            r.methods_basis.unwrap_or(starmark_criteria::MethodsBasis::Unknown)
                        )?;
                    }
                    for e in &r.evaluation_items {
                        writeln!(o, "  evaluation item {}: {}", e.id, e.text.get(Lang::En))?;
                    }
                    if let Some(cf) = r.confidence {
                        writeln!(o, "  confidence: {cf:?}")?;
                    }
                    for rf in &r.refs {
                        writeln!(o, "  defined by: {} {}", rf.catalog, rf.id)?;
                    }
                    for l in links(c, r) {
                        writeln!(o, "  {} {} {}: {:?} ({})", l.direction, l.catalog, l.version, l.ids, l.basis.id())?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CriteriaCommand::Validate => {
            let mut o = out();
            writeln!(
                o,
                "catalog OK ({}): {} catalogs, {} crosswalks, {} levels",
                catalogs.origin,
                catalogs.catalogs.len(),
                catalogs.crosswalks.len(),
                catalogs.scheme.levels.len()
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Debug, serde::Serialize)]
struct LinkRow {
    direction: &'static str,
    catalog: String,
    version: String,
    ids: Vec<String>,
    basis: starmark_criteria::Basis,
    note: Option<String>,
}

fn requirement_row(r: &Requirement) -> serde_json::Value {
    json!({
        "id": r.id, "title": r.title, "category": r.category, "methods": r.methods, "methods_basis": r.methods_basis,
        "status": r.status(), "level": r.level, "confidence": r.confidence,
    })
}

fn encoding_of(f: Option<FileFormat>) -> Option<Encoding> {
    f.map(|f| match f {
        FileFormat::Toml => Encoding::Toml,
        FileFormat::Json => Encoding::Json,
    })
}

fn checklist(catalogs: &CatalogSet, cmd: ChecklistCommand) -> Result<ExitCode> {
    match cmd {
        ChecklistCommand::New { level, out: path, format, force } => {
            let enc = encoding_of(format)
                .or_else(|| path.as_ref().and_then(|p| Encoding::from_file_name(&p.to_string_lossy())))
                .unwrap_or(Encoding::Toml);
            let text = starmark_checklist::template(catalogs, level, enc)?;
            match path {
                None => out().write_all(text.as_bytes())?,
                Some(p) => {
                    let mut opts = std::fs::OpenOptions::new();
                    opts.write(true);
                    if force {
                        opts.create(true).truncate(true);
                    } else {
                        opts.create_new(true);
                    }
                    let mut f = opts.open(&p).with_context(|| {
                        format!(
                            "cannot create {}{}",
                            p.display(),
                            if p.exists() { " (it exists; pass --force to overwrite)" } else { "" }
                        )
                    })?;
                    f.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", p.display()))?;
                    eprintln!(
                        "wrote {} ({} criteria); fill it in, then run: starmark checklist check {}",
                        p.display(),
                        text.matches("[[items]]").count().max(text.matches("\"id\":").count()),
                        p.display()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ChecklistCommand::Check(args) => check(catalogs, args),
        ChecklistCommand::Schema => {
            print_json(&starmark_checklist::json_schema())?;
            Ok(ExitCode::SUCCESS)
        }
        ChecklistCommand::Walk { file, lang } => {
            let lang = lang.unwrap_or_else(crate::walk::default_lang);
            let ended = crate::walk::walk(&file, catalogs, lang, std::io::stdin().lock(), std::io::stderr())?;
            Ok(match ended {
                crate::walk::Ended::Complete => ExitCode::SUCCESS,
                crate::walk::Ended::Stopped => ExitCode::from(3),
            })
        }
    }
}

fn read_input(path: &std::path::Path) -> Result<Vec<u8>> {
    let limit = starmark_checklist::MAX_BYTES as u64 + 1;
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut buf).context("cannot read standard input")?;
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        f.take(limit).read_to_end(&mut buf).with_context(|| format!("cannot read {}", path.display()))?;
    }
    Ok(buf)
}

fn check(catalogs: &CatalogSet, args: CheckArgs) -> Result<ExitCode> {
    let bytes = read_input(&args.file)?;
    let name = args.file.display().to_string();
    let hint = encoding_of(args.format).or_else(|| Encoding::from_file_name(&name));
    let today = args.as_of.unwrap_or_else(today);
    match starmark_checklist::parse(&bytes, hint) {
        Err(e) => {
            if args.json {
                print_json(&parse_error_json(&name, &e))?;
            } else {
                let mut o = out();
                writeln!(
                    o,
                    "{name}:{}: error[{}]: {}",
                    e.at.map(|a| a.to_string()).unwrap_or_else(|| "1:1".into()),
                    e.kind.code(),
                    e
                )?;
                writeln!(o, "    help: {}", e.help)?;
                writeln!(o, "{name}: the checklist could not be read; the format check FAILED")?;
            }
            Ok(ExitCode::from(1))
        }
        Ok(doc) => {
            let report = starmark_checklist::check(&doc.checklist, catalogs, today);
            if args.json {
                print_json(&report_json(&name, &doc, &report, today))?;
            } else {
                print_report(&name, &doc, &report)?;
            }
            Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}

fn parse_error_json(name: &str, e: &ParseError) -> serde_json::Value {
    json!({
        "file": name, "passed": false, "errors": 1, "warnings": 0,
        "problems": [{
            "severity": "error", "code": e.kind.code(),
            "pointer": e.path.as_ref().map(|p| p.pointer()).unwrap_or_default(),
            "key": e.path.as_ref().map(|p| p.to_string()),
            "line": e.at.map(|a| a.line), "column": e.at.map(|a| a.column),
            "message": e.message, "help": e.help,
        }],
    })
}

fn report_json(name: &str, doc: &Document, report: &Report, today: jiff::civil::Date) -> serde_json::Value {
    let problems: Vec<_> = report
        .problems
        .iter()
        .map(|p| {
            let at = doc.locate(&p.path);
            json!({
                "severity": p.severity, "code": p.code, "pointer": p.path.pointer(), "key": p.path.to_string(),
                "line": at.map(|a| a.line), "column": at.map(|a| a.column),
                "message": p.message, "help": p.help,
            })
        })
        .collect();
    json!({
        "file": name, "checked_on": today.to_string(), "tool": concat!("starmark ", env!("CARGO_PKG_VERSION")),
        "criteria": doc.checklist.criteria, "level": doc.checklist.level,
        "passed": report.passed(), "errors": report.errors(), "warnings": report.warnings(), "problems": problems,
    })
}

fn print_report(name: &str, doc: &Document, report: &Report) -> Result<()> {
    let mut o = out();
    for p in &report.problems {
        let sev = match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let at = doc.locate(&p.path).map(|a| format!(":{a}")).unwrap_or_default();
        let key = if p.path.is_root() { String::new() } else { format!(" {} ({})", p.path, p.path.pointer()) };
        writeln!(o, "{name}{at}: {sev}[{}]{key}: {}", p.code, p.message)?;
        writeln!(o, "    help: {}", p.help)?;
    }
    let verdict = if report.passed() { "passed" } else { "FAILED" };
    writeln!(o, "{name}: {} error(s), {} warning(s); the format check {verdict}", report.errors(), report.warnings())?;
    Ok(())
}

fn map(catalogs: &CatalogSet, args: MapArgs) -> Result<ExitCode> {
    let cov = catalogs.map(&args.from, &args.to)?;
    if args.json {
        print_json(&cov)?;
    } else {
        print_coverage(&cov)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_coverage(cov: &Coverage) -> Result<()> {
    let mut o = out();
    let level = cov.level.map(|l| format!(" (levels 1..={l})")).unwrap_or_default();
    writeln!(o, "{} -> {}{level}", cov.from, cov.to)?;
    writeln!(o, "note: {}", cov.note.get(Lang::En))?;
    if let Some(s) = &cov.official_statement {
        writeln!(o, "official: {}", s.get(Lang::En))?;
    }
    writeln!(o)?;
    for t in &cov.targets {
        let by = if t.is_gap() {
            "GAP: not covered".to_string()
        } else {
            t.covered_by.iter().map(|l| format!("{} [{}]", l.from, l.basis.id())).collect::<Vec<_>>().join(", ")
        };
        writeln!(o, "  {:<30} {:<44} {}", t.id, by, t.title.get(Lang::En))?;
    }
    let s = &cov.summary;
    writeln!(
        o,
        "\n{} of {} covered ({} official, {} inferred, {} hypothesis); {} gap(s)",
        s.covered, s.targets, s.official, s.inferred, s.hypothesis, s.gaps
    )?;
    if !cov.unmapped_from.is_empty() {
        writeln!(o, "{} requirements with no counterpart here: {}", cov.from.catalog, cov.unmapped_from.join(", "))?;
    }
    Ok(())
}

/// `starmark vuln`: an input that cannot be read is exit 2 with the file
/// and the place named; the verdict sets 0, 1 or 3.
fn vuln(a: VulnArgs) -> Result<ExitCode> {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("error: {e}");
        Ok(ExitCode::from(2))
    };
    let sbom = match starmark_vuln::sbom::load(&a.sbom) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let wanted = starmark_vuln::matching::Wanted::of(&sbom);
    let db = match starmark_vuln::osv::load_filtered(&a.advisories, &|r| wanted.keeps(r)) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let mut vex = Vec::new();
    for path in &a.vex {
        match starmark_vuln::vex::load(path) {
            Ok(v) => vex.push(v),
            Err(e) => return fail(&e),
        }
    }
    let report = starmark_vuln::report::assess(&sbom, &db, vex);
    let mut out = std::io::stdout().lock();
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else if a.sarif {
        writeln!(out, "{}", serde_json::to_string_pretty(&report.sarif())?)?;
    } else {
        write!(out, "{}", report.text())?;
    }
    Ok(ExitCode::from(report.exit_code()))
}

fn keygen(out: &std::path::Path) -> Result<ExitCode> {
    let key = starmark_evidence::Key::generate()?;
    let public = key.write(out)?;
    println!(
        "key {} written: {} (private, keep it) and {} (public, share it)",
        key.id(),
        out.display(),
        public.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn evidence(c: EvidenceCommand) -> Result<ExitCode> {
    match c {
        EvidenceCommand::Pack { key, out, files } => {
            let key = starmark_evidence::Key::read(&key)?;
            let mut list = Vec::new();
            for f in &files {
                let (role, path) = match f.split_once('=') {
                    Some((role, path)) if !role.is_empty() && !role.contains('/') => (role, path),
                    _ => ("document", f.as_str()),
                };
                let path = std::path::PathBuf::from(path);
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let folder = if role == "document" { "documents" } else { role };
                list.push((format!("{folder}/{name}"), role.to_string(), path));
            }
            let bundle = starmark_evidence::write(&out, &list, &key, jiff::Timestamp::now())?;
            println!(
                "bundle {}: {} files, signed by key {}\nmanifest SHA-256 {}",
                out.display(),
                bundle.manifest.files.len(),
                bundle.manifest.signer.key_id,
                bundle.manifest_sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Verify { dir, key, json } => {
            let expected = key.as_deref().map(starmark_evidence::read_public).transpose()?;
            let result = starmark_evidence::verify(&dir, expected.as_ref());
            let pinned = expected.is_some();
            if json {
                let v = match &result {
                    Ok(b) => json!({
                        "valid": true,
                        "manifest_sha256": b.manifest_sha256,
                        "key_id": b.manifest.signer.key_id,
                        "key_pinned": pinned,
                        "files": b.manifest.files,
                    }),
                    Err(problems) => json!({
                        "valid": false,
                        "problems": problems.iter().map(|p| json!({"file": p.file, "message": p.message})).collect::<Vec<_>>(),
                    }),
                };
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                match &result {
                    Ok(b) => {
                        println!(
                            "valid: {} files as signed by key {}{}\nmanifest SHA-256 {}",
                            b.manifest.files.len(),
                            b.manifest.signer.key_id,
                            if pinned {
                                " (the expected key)"
                            } else {
                                " (not pinned: pass --key to check whose key it is)"
                            },
                            b.manifest_sha256
                        );
                    }
                    Err(problems) => {
                        println!("NOT valid: {} problem{}", problems.len(), if problems.len() == 1 { "" } else { "s" });
                        for p in problems {
                            println!("  {p}");
                        }
                    }
                }
            }
            Ok(if result.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}
