//! `starmark`: the one binary. It owns flags, configuration and exit codes;
//! the work is done by the library crates.
//!
//! Exit codes: 0 success; 1 the checked thing failed (a checklist with
//! errors); 2 usage, input/output or configuration error.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "the binary is where output is printed")]

mod commands;
mod config;
mod evaluate_cmd;
mod log_cmds;
mod registry_cmds;
mod scan_cmd;
mod walk;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// starmark: registry and toolkit for the IoT product security labeling scheme (JC-STAR).
#[derive(Debug, Parser)]
#[command(name = "starmark", version, about, long_about = None, after_help = "Exit codes: 0 success, 1 check failed, 2 usage or I/O error.")]
struct Cli {
    /// Use the criteria catalog in DIR instead of the embedded one.
    #[arg(long, global = true, env = "STARMARK_CATALOG", value_name = "DIR")]
    catalog: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List and show criteria catalogs and their requirements.
    #[command(subcommand)]
    Criteria(CriteriaCommand),
    /// Write and check self-evaluation checklists.
    #[command(subcommand)]
    Checklist(ChecklistCommand),
    /// Show which requirements of another scheme a catalog covers, and the gaps.
    Map(MapArgs),
    /// Find every exposed TCP port and IoT UDP service of one device (a
    /// connect scan that paces itself and checks that the device is still
    /// answering, and protocol probes for UDP).
    ///
    /// Exit codes: 0 every port got a definite answer and no finding needs
    /// attention; 1 findings of warning or high severity (risky services,
    /// undeclared or missing interfaces); 3 the scan is incomplete (the
    /// device stopped answering, nothing answered, or the time budget ran
    /// out: the unknown ports are listed, never called closed); 2 usage
    /// error (a range or several addresses as target, bad port list).
    Scan(ScanArgs),
    /// Match an SBOM against OSV advisories, offline, for S1.1-13 (known
    /// vulnerabilities).
    ///
    /// Exit codes: 0 conforms (every component that advisories can be about
    /// was matched and none is affected); 1 a known vulnerability affects a
    /// component; 3 inconclusive (a component could not be identified, an
    /// ecosystem is not covered, an advisory could not be evaluated: listed,
    /// never called clean); 2 unreadable input.
    Vuln(VulnArgs),
    /// Evaluate a product: merge the device checks and the known-vulnerability
    /// check into the vendor's checklist, keep the evidence in a signed
    /// bundle, and write the completed checklist.
    ///
    /// Writes DIR/checklist.toml (completed), DIR/evaluation.json (how each
    /// criterion was decided, contradictions) and DIR/evidence/ (the signed
    /// bundle). Exit codes: 0 every applicable criterion conforms; 1 a
    /// criterion does not conform or the vendor's answers contradict the
    /// device; 3 a criterion is inconclusive or unanswered; 2 unreadable input.
    Evaluate(EvaluateArgs),
    /// Make an evaluator's Ed25519 key pair for signing evidence bundles:
    /// FILE (PKCS#8 PEM, readable by you only) and FILE.pub (share it).
    Keygen {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Evidence bundles: the files an evaluation used, with a signed
    /// manifest of their SHA-256 digests.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Run the registry (JSON API and public site) until SIGTERM or Ctrl-C.
    Serve {
        #[command(flatten)]
        server: ServerArgs,
        /// Start on a throw-away database filled with clearly marked example
        /// vendors and labels in every status; it is deleted on exit.
        #[arg(long)]
        demo: bool,
    },
    /// Inspect the layered configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Administer the registry's database directly (on the server's machine).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Apply for a label: send a checklist to a registry.
    Apply {
        /// The checklist (TOML or JSON).
        file: PathBuf,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Apply to renew a label with a new checklist.
    Renew {
        label: String,
        file: PathBuf,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Report a change of the product's security specification (revokes the label).
    ReportChange {
        label: String,
        #[arg(long)]
        description: String,
        /// The evidence bundle of the changed product (`starmark evaluate`
        /// writes it to OUT/evidence): it is verified here and only its
        /// manifest's digest is sent.
        #[arg(long, value_name = "DIR")]
        evidence: Option<PathBuf>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Show a label (public) or an application (with a token).
    Status {
        /// A label ID (STAR1-2026-000042K) or an application ID (app_...).
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The scheme owner's actions on applications and labels.
    #[command(subcommand)]
    Owner(OwnerCommand),
    /// An accredited laboratory's actions (STAR-3/4).
    #[command(subcommand)]
    Lab(LabCommand),
    /// Verify a label against the registry's signing key: its latest signed
    /// statement, the record it names, and its inclusion in the registry's
    /// transparency log. Online (a label ID or the product page / QR code
    /// URL) or offline (--bundle, downloaded from the product page).
    ///
    /// Exit codes: 0 verified and valid; 1 verified, revoked or expired;
    /// 2 verification failed (the reason is printed); 3 not verified as
    /// valid now: no --registry-key was given (nothing was checked against
    /// a key you trust), or no unexpired status list confirms the label.
    Verify {
        /// A label ID (STAR1-2026-000042K) or a product page URL.
        label: Option<String>,
        /// The registry to ask for a label ID.
        #[arg(long, env = "STARMARK_REGISTRY", default_value = "http://127.0.0.1:8080")]
        registry: String,
        /// The registry's published verifier key (a file holding
        /// NAME+KEYID+BASE64, e.g. from `admin key generate`'s FILE.pub).
        #[arg(long, env = "STARMARK_REGISTRY_KEY", value_name = "FILE")]
        registry_key: Option<PathBuf>,
        /// Verify this bundle offline instead of asking the registry.
        #[arg(long, value_name = "FILE")]
        bundle: Option<PathBuf>,
        /// Also save the bundle fetched online, for verifying later offline.
        #[arg(long, value_name = "FILE", conflicts_with = "bundle")]
        save_bundle: Option<PathBuf>,
        /// Check the status against this status list (a file or the
        /// registry's /status/list.json URL) instead of the bundle's.
        #[arg(long, value_name = "FILE|URL")]
        status_list: Option<String>,
        /// The oldest status list (minutes since its validFrom) that
        /// confirms a label as valid now; the registry makes a new one at
        /// least every five minutes.
        #[arg(long, value_name = "MINUTES", default_value_t = 15)]
        max_status_age: u32,
        #[arg(long)]
        json: bool,
    },
    /// Watch a registry's transparency log: each run fetches the latest
    /// checkpoint, proves it extends the one kept from the last run, and
    /// checks every new entry (a statement signed by a registry key; all
    /// together exactly the signed tree). A fork, a rewritten history, a
    /// missing proof or a bad entry exits 1 with the checkpoints saved.
    Monitor {
        #[arg(long, env = "STARMARK_REGISTRY", default_value = "http://127.0.0.1:8080")]
        registry: String,
        #[arg(long, env = "STARMARK_REGISTRY_KEY", value_name = "FILE")]
        registry_key: PathBuf,
        /// Where the last checkpoint is kept [default:
        /// $XDG_STATE_HOME/starmark/monitor/ORIGIN.checkpoint]; the tree's
        /// right edge is kept beside it (FILE.frontier).
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// The most new entries one run reads and checks.
        #[arg(long, default_value_t = 100_000)]
        max_entries: u64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum LabCommand {
    /// Attach an evaluation report to a STAR-3/4 application.
    Report {
        application: String,
        /// The report's metadata as JSON: report_id, issued_on, criteria {catalog, version}, result, sha256, summary {ja, en}.
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Args)]
struct ServerArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "STARMARK_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// sqlite://PATH or postgres://... [default: sqlite://starmark.db].
    #[arg(long, env = "STARMARK_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
    /// The site's public address, used in QR codes [default: http://LISTEN].
    #[arg(long, env = "STARMARK_PUBLIC_BASE_URL", value_name = "URL")]
    public_base_url: Option<String>,
    /// A TOML configuration file (version = 1).
    #[arg(long, env = "STARMARK_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The transparency log's signing key (`starmark admin key generate`)
    /// [default: $CREDENTIALS_DIRECTORY/starmark-log-key, or beside a
    /// SQLite database, made on first start].
    #[arg(long, env = "STARMARK_LOG_KEY_FILE", value_name = "FILE")]
    log_key_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the settings in force and where each came from (secrets masked).
    Check(ServerArgs),
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Organizations: vendors, test laboratories, the scheme owner.
    #[command(subcommand)]
    Org(OrgCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The transparency log's signing key.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Make a new log signing key: FILE (secret, mode 600) and FILE.pub
    /// (the verifier key to publish; `starmark verify --registry-key`).
    /// To rotate, generate a new key with the same name and point
    /// log_key_file at it; the old key stays in the published key history.
    Generate {
        /// The log's origin, e.g. `labels.example.jp/log` [default: from
        /// --public-base-url].
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Print the verifier key of the configured log key.
    Show {
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Add an organization; prints its ID.
    Add {
        /// vendor, test_lab or scheme_owner.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// ISO/IEC 17025 accreditation (test laboratories).
        #[arg(long)]
        accreditation: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List organizations.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue a token; it is printed once and only its hash is kept.
    Issue {
        #[arg(long)]
        org: String,
        /// vendor, lab, reviewer, liaison or admin.
        #[arg(long)]
        role: String,
        /// A note saying what the token is for.
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Args)]
struct ClientArgs {
    /// The registry's base URL.
    #[arg(long, env = "STARMARK_REGISTRY", default_value = "http://127.0.0.1:8080")]
    registry: String,
    /// API token.
    #[arg(long, env = "STARMARK_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print the registry's JSON answer.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum OwnerCommand {
    /// Record the supply-chain inquiry's outcome (liaison).
    Inquiry {
        application: String,
        /// cleared or concern.
        #[arg(long)]
        outcome: String,
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Grant the label (reviewer).
    Grant {
        application: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Refuse an application (reviewer).
    Refuse {
        application: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Revoke a label (reviewer).
    Revoke {
        label: String,
        /// A revocation ground from the scheme parameters.
        #[arg(long)]
        ground: String,
        /// The public statement.
        #[arg(long)]
        statement: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
enum CriteriaCommand {
    /// List the catalogs, or the requirements of one catalog.
    List {
        /// A catalog id (e.g. star-1, etsi-en-303-645), optionally with @VERSION.
        #[arg(long, value_name = "ID")]
        scheme: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show one requirement in full, with its crosswalk links.
    Show {
        /// Requirement id, e.g. S1.1-04 or 5.1-1.
        id: String,
        /// Look only in this catalog.
        #[arg(long, value_name = "ID")]
        scheme: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Load the catalog (embedded or --catalog DIR) and report every problem.
    Validate,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FileFormat {
    Toml,
    Json,
}

#[derive(Debug, Subcommand)]
enum ChecklistCommand {
    /// Write a blank checklist with guidance for every criterion.
    New {
        /// The level applied for.
        #[arg(long, default_value = "star-1", value_parser = parse_level)]
        level: starmark_criteria::Level,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Encoding; defaults to the extension of --out, else TOML.
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
        /// Overwrite FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Run the registry's format check on a checklist (TOML or JSON; - reads standard input).
    Check(CheckArgs),
    /// Print the checklist's JSON Schema.
    Schema,
    /// Walk the document-review criteria one by one, with what evidence
    /// each needs, saving every answer into FILE at once; stop any time
    /// (`q` or end of input) and run again to continue.
    ///
    /// Exit codes: 0 every document-review criterion is answered; 3
    /// stopped with some unanswered; 2 unreadable checklist.
    Walk {
        /// The checklist to fill in (TOML, edited in place keeping its comments, or JSON).
        file: PathBuf,
        /// Language of the prompts and texts [default: Japanese if LANG starts with ja, else English].
        #[arg(long, value_parser = parse_lang)]
        lang: Option<starmark_criteria::Lang>,
    },
}

#[derive(Debug, Args)]
struct CheckArgs {
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Check as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<jiff::civil::Date>,
    /// Encoding of the input; defaults to the file extension, else sniffed.
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
}

#[derive(Debug, Args)]
struct EvaluateArgs {
    /// The vendor's checklist with its document-review answers (TOML or JSON).
    #[arg(long, value_name = "FILE")]
    checklist: PathBuf,
    /// Scan the device now: one address, or a host name that resolves to
    /// exactly one (as `starmark scan`); its report joins any --scan-results.
    #[arg(long, value_name = "HOST")]
    target: Option<String>,
    /// The vendor's intended interfaces (`starmark-interfaces/1`, as for
    /// `starmark scan --declared`): interfaces found but not declared fail
    /// S1.1-13. Kept in the bundle.
    #[arg(long, value_name = "FILE", requires = "target")]
    declared: Option<PathBuf>,
    /// The vendor's factory logins for the scan of --target (as for
    /// `starmark scan`); not kept in the bundle, since it holds passwords.
    #[arg(long, value_name = "FILE", requires = "target")]
    factory_credentials: Option<PathBuf>,
    /// INTRUSIVE: run the brute-force test (S1.1-04) in the scan of
    /// --target; only on a device under test, never one in service.
    #[arg(long, requires = "target")]
    danger_brute_force_test: bool,
    /// Time budget of the scan of --target (e.g. 90s, 30m).
    #[arg(long, value_name = "DURATION", default_value = "30m", requires = "target")]
    budget: String,
    /// Saved `starmark scan ADDR --json` reports of the device; repeatable
    /// (e.g. one with `--danger-brute-force-test`).
    #[arg(long = "scan-results", value_name = "FILE")]
    scan_results: Vec<PathBuf>,
    /// The product's SBOM, matched against --advisories (CycloneDX or SPDX JSON).
    #[arg(long, value_name = "FILE", requires = "advisories")]
    sbom: Option<PathBuf>,
    /// OSV advisories: a directory or OSV's all.zip.
    #[arg(long, value_name = "PATH", requires = "sbom")]
    advisories: Option<PathBuf>,
    /// VEX documents for the SBOM; repeatable.
    #[arg(long, value_name = "FILE", requires = "sbom")]
    vex: Vec<PathBuf>,
    /// Documents the evaluation rests on, kept in the bundle; repeatable.
    #[arg(long, value_name = "FILE")]
    document: Vec<PathBuf>,
    /// The evaluator's private key (`starmark keygen`), signing the bundle.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The folder to write (must not exist or be empty).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Print the evaluation as JSON.
    #[arg(long)]
    json: bool,
    /// First walk the checklist's unanswered document-review criteria in
    /// the terminal (as `starmark checklist walk`), saving each answer into
    /// --checklist; the evaluation runs once every one is answered.
    #[arg(long)]
    interactive: bool,
    /// Language of the walk [default: Japanese if LANG starts with ja, else English].
    #[arg(long, value_parser = parse_lang, requires = "interactive")]
    lang: Option<starmark_criteria::Lang>,
}

#[derive(Debug, Subcommand)]
enum EvidenceCommand {
    /// Put files into a new bundle folder and sign its manifest.
    ///
    /// Each FILE is `PATH` (kept as `documents/NAME`) or `ROLE=PATH` (kept
    /// as `ROLE/NAME`; roles such as scan, sbom, vex, checklist, document).
    Pack {
        /// The evaluator's private key (`starmark keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The bundle folder to create (must not exist or be empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Check a bundle against its signed manifest: exit 0 if every file is
    /// as signed, 1 naming each file that is not.
    Verify {
        dir: PathBuf,
        /// The public key the bundle must be signed with (`KEY.pub`);
        /// without it, only the manifest's own key is checked.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct VulnArgs {
    /// The SBOM: CycloneDX JSON 1.4-1.6 or SPDX 2.3 JSON.
    #[arg(long, value_name = "FILE")]
    sbom: PathBuf,
    /// OSV advisories: a directory of OSV JSON records, or OSV's all.zip.
    #[arg(long, value_name = "PATH")]
    advisories: PathBuf,
    /// VEX documents (CycloneDX or CSAF 2.0 csaf_vex); repeatable. Where
    /// statements disagree, the later document wins.
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// Print the report as JSON (format starmark-vuln/1).
    #[arg(long, conflicts_with = "sarif")]
    json: bool,
    /// Print the report as SARIF 2.1.0.
    #[arg(long)]
    sarif: bool,
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// The device: one IPv4/IPv6 address, or a host name that resolves to
    /// exactly one. Ranges, prefixes and lists are refused.
    target: String,
    /// Ports, as `22,80,8000-8100` (TCP) and `U:161,1900` (UDP) [default:
    /// all TCP ports and the IoT UDP set 53,69,123,137,161,1900,3702,5353,5683].
    #[arg(long, short = 'p', value_name = "SPEC")]
    ports: Option<String>,
    /// Print the report as JSON (format starmark-scan/1) on standard output.
    #[arg(long)]
    json: bool,
    /// Stop after this long, leaving the rest inconclusive (e.g. 90s, 30m, 2h).
    #[arg(long, value_name = "DURATION", default_value = "30m")]
    budget: String,
    /// At most this many connection attempts at once (1-4096; also kept
    /// below the open-files limit, which the scan raises to its hard limit).
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_in_flight: usize,
    /// The vendor's list of intended interfaces (TOML, format
    /// "starmark-interfaces/1", [[interface]] proto/port/service/purpose):
    /// services found but not declared, and declared ones not found, become
    /// findings.
    #[arg(long, value_name = "FILE")]
    declared: Option<std::path::PathBuf>,
    /// Report open ports only, without identifying their services (and so
    /// without protocol checks).
    #[arg(long)]
    no_identify: bool,
    /// Which protocol checks to run on the services found, comma-separated:
    /// ssh, tls, credentials, mqtt, upnp, http, snmp, coap; or `none` [default: all].
    #[arg(long, value_name = "LIST")]
    checks: Option<String>,
    /// The vendor's factory logins (TOML, format "starmark-credentials/1",
    /// [[credential]] user/password), tried before the universal list.
    #[arg(long, value_name = "FILE")]
    factory_credentials: Option<std::path::PathBuf>,
    /// Pause between two login attempts on one service (e.g. 500ms, 2s).
    #[arg(long, value_name = "DURATION", default_value = "500ms")]
    login_pace: String,
    /// INTRUSIVE: test brute-force resistance (S1.1-04) by sending wrong
    /// logins to every login surface found; the device may lock accounts
    /// or stop answering. Only on a device under test, never in service.
    #[arg(long)]
    danger_brute_force_test: bool,
    /// Wrong logins per surface in the brute-force test (1-100).
    #[arg(long, value_name = "N", default_value_t = 10, requires = "danger_brute_force_test")]
    brute_force_attempts: u32,
    /// At least this long between two wrong logins in the brute-force test.
    #[arg(long, value_name = "DURATION", default_value = "1s", requires = "danger_brute_force_test")]
    brute_force_pace: String,
}

#[derive(Debug, Args)]
struct MapArgs {
    /// The covering catalog, e.g. star-1.
    #[arg(long, default_value = "star-1")]
    from: String,
    /// The target: uk-psti, sg-cls-1 .. sg-cls-4, etsi-en-303-645, nistir-8425, eu-cra.
    #[arg(long)]
    to: String,
    #[arg(long)]
    json: bool,
}

fn parse_lang(s: &str) -> Result<starmark_criteria::Lang, String> {
    s.parse()
}

fn parse_level(s: &str) -> Result<starmark_criteria::Level, String> {
    s.parse()
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    starmark_criteria::date::parse(s)
}

/// Whether an error is a closed standard output (`starmark … | head`).
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = c
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| c.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind));
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    // A reader that stops early (`| head`) ends the output, not in a panic:
    // `println!` panics on a closed pipe, and Rust ignores SIGPIPE.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors may quote a server's answer or a file: escaped.
            eprintln!("error: {}", log_cmds::clean(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}
