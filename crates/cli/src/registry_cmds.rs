//! Commands that run or talk to the registry: `serve`, `admin`, `config
//! check`, and the client commands (`apply`, `status`, `owner ...`).
#![allow(
    clippy::indexing_slicing,
    reason = "only serde_json::Value is indexed here, and reading a missing key gives Null, never a panic"
)]

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use starmark_criteria::CatalogSet;
use starmark_registry::Registry;
use starmark_registry::auth::{OrgKind, Role};
use starmark_registry::clock::{Clock, SystemClock};
use starmark_registry::store::Store;

use crate::config::{Settings, mask_url};

/// Opens the store a database URL names, applying its migrations.
pub(crate) async fn open_store(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let s = starmark_registry_postgres::PgStore::connect(url)
            .await
            .with_context(|| format!("cannot open the PostgreSQL database {}", mask_url(url)))?;
        Ok(Arc::new(s))
    } else {
        let s = starmark_registry_sqlite::SqliteStore::connect(url)
            .await
            .with_context(|| format!("cannot open the SQLite database {url}"))?;
        Ok(Arc::new(s))
    }
}

pub(crate) async fn serve(settings: &Settings, catalogs: CatalogSet) -> Result<ExitCode> {
    let store = open_store(&settings.database_url).await?;
    // A server that cannot sign must not start.
    let key = crate::log_cmds::log_key(settings, store.as_ref()).await?;
    serve_store(settings, store, Arc::new(catalogs), key).await
}

/// `serve --demo`: a fresh SQLite database in a temporary directory, seeded
/// with the demo data, removed when the server stops.
pub(crate) async fn serve_demo(mut settings: Settings, catalogs: CatalogSet) -> Result<ExitCode> {
    if settings.sources.iter().any(|(name, from)| *name == "database_url" && *from != "default") {
        bail!(
            "--demo runs on a throw-away database and never touches a real one; \
             leave out --database-url (and STARMARK_DATABASE_URL, and database_url in the config file)"
        );
    }
    if settings.log_key_file.is_some() {
        bail!(
            "--demo signs its fictional labels with a throw-away key and never with a real one; \
             leave out --log-key-file (and STARMARK_LOG_KEY_FILE, and log_key_file in the config file)"
        );
    }
    let dir =
        tempfile::Builder::new().prefix("starmark-demo-").tempdir().context("cannot create a temporary directory")?;
    let path = dir.path().join("demo.db");
    settings.database_url = format!("sqlite://{}", path.display());
    let store: Arc<dyn Store> =
        Arc::new(starmark_registry_sqlite::SqliteStore::open(&path).await.context("cannot create the demo database")?);
    let catalogs = Arc::new(catalogs);
    let today = SystemClock.today();
    // A throw-away key, in memory only: the demo never signs with a real
    // key (not even a configured credential), under a name of its own.
    let origin = format!("demo.{}", crate::log_cmds::origin_for(&settings.public_base_url));
    let key = crate::log_cmds::new_signer(&origin)?;
    let seed = starmark_registry::demo::seed(store.clone(), catalogs.clone(), today, key.clone())
        .await
        .map_err(|e| anyhow::anyhow!("cannot seed the demo data: {e}"))?;
    eprintln!(
        "starmark DEMO: throw-away database {} (deleted on exit); all vendors and labels are fictional",
        path.display()
    );
    for (what, id) in &seed.labels {
        eprintln!("  label {id}: {what}");
    }
    for (role, token) in &seed.tokens {
        eprintln!("  API token, {role}: {token}");
    }
    let result = serve_store(&settings, store, catalogs, key).await;
    drop(dir);
    result
}

async fn serve_store(
    settings: &Settings,
    store: Arc<dyn Store>,
    catalogs: Arc<CatalogSet>,
    key: starmark_tlog::note::Signer,
) -> Result<ExitCode> {
    let verifier_key = key.verifier_key();
    let registry = Arc::new(Registry::new(store, catalogs, Arc::new(SystemClock)).with_log_key(key));
    registry.publish_log_key().await.map_err(|e| anyhow::anyhow!("cannot record the log key: {e}"))?;
    let size = registry.log_size().await.map_err(|e| anyhow::anyhow!("cannot read the transparency log: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    eprintln!("starmark registry listening on http://{addr} (database {})", mask_url(&settings.database_url));
    eprintln!("  API: http://{addr}/api/v1  OpenAPI: http://{addr}/api/openapi.json  health: http://{addr}/healthz");
    eprintln!("  transparency log: {size} entries, signed by {verifier_key}");

    // Writes expiry events to the log as labels pass their last day.
    let sweeper = {
        let registry = registry.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                match registry.record_expiries().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(count = n, "recorded label expiries"),
                    Err(e) => tracing::warn!(error = %e, "could not record expiries"),
                }
            }
        })
    };
    // With port 0 the real port is known only now.
    let public_base_url = if settings.public_base_url.ends_with(":0") {
        format!("http://{addr}")
    } else {
        settings.public_base_url.clone()
    };
    let state = starmark_server::AppState::new(registry, public_base_url);
    starmark_server::serve(listener, state, shutdown_signal()).await.context("the server failed")?;
    sweeper.abort();
    eprintln!("starmark registry stopped");
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("starmark registry: shutting down, finishing requests in flight");
}

pub(crate) async fn org_add(
    settings: &Settings,
    catalogs: CatalogSet,
    kind: &str,
    name: &str,
    accreditation: Option<String>,
    json_out: bool,
) -> Result<ExitCode> {
    let kind = OrgKind::parse(kind)
        .with_context(|| format!("unknown organization kind `{kind}`; use vendor, test_lab or scheme_owner"))?;
    let registry = Registry::new(open_store(&settings.database_url).await?, Arc::new(catalogs), Arc::new(SystemClock));
    let org = registry.add_org(kind, name, accreditation).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if json_out {
        println!("{}", json!({"id": org.id, "kind": org.kind.id(), "name": org.name}));
    } else {
        println!("{}", org.id);
        eprintln!("added {} organization `{}`", org.kind.id(), org.name);
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn org_list(settings: &Settings, json_out: bool) -> Result<ExitCode> {
    let store = open_store(&settings.database_url).await?;
    let orgs = store.orgs().await?;
    if json_out {
        let v: Vec<Value> = orgs
            .iter()
            .map(|o| json!({"id": o.id, "kind": o.kind.id(), "name": o.name, "accreditation": o.accreditation}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for o in orgs {
            println!("{}  {:<12}  {}", o.id, o.kind.id(), o.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn token_issue(
    settings: &Settings,
    catalogs: CatalogSet,
    org: &str,
    role: &str,
    label: &str,
) -> Result<ExitCode> {
    let role = Role::parse(role)
        .with_context(|| format!("unknown role `{role}`; use vendor, lab, reviewer, liaison or admin"))?;
    let registry = Registry::new(open_store(&settings.database_url).await?, Arc::new(catalogs), Arc::new(SystemClock));
    let secret = registry.issue_token(org, role, label).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{}", secret.expose());
    eprintln!("issued a {} token for {org}. It is shown only now: the registry keeps only its hash.", role.id());
    Ok(ExitCode::SUCCESS)
}

/// A client for a running registry.
pub(crate) struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Client {
    pub(crate) fn new(registry: &str, token: Option<String>) -> Result<Client> {
        let base = registry.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("--registry must be an http:// or https:// URL, not `{base}`");
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("starmark/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(60))
            .build()?;
        Ok(Client { base, token, http })
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder> {
        match &self.token {
            Some(t) => Ok(req.bearer_auth(t)),
            None => bail!("this needs an API token: pass --token or set STARMARK_TOKEN"),
        }
    }

    /// Sends and returns (status, JSON body). Problem documents are JSON too.
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<(u16, Value)> {
        let r = req.send().await.with_context(|| format!("cannot reach the registry at {}", self.base))?;
        let status = r.status().as_u16();
        let text = r.text().await?;
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, v))
    }

    fn idempotency_key() -> Result<String> {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(b.iter().map(|x| format!("{x:02x}")).collect())
    }

    pub(crate) async fn post_json(&self, path: &str, body: Value) -> Result<(u16, Value)> {
        let req = self
            .auth(self.http.post(format!("{}{path}", self.base)))?
            .header("idempotency-key", Client::idempotency_key()?)
            .json(&body);
        self.send(req).await
    }

    pub(crate) async fn post_checklist(&self, path: &str, file: &Path) -> Result<(u16, Value)> {
        let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let ct = if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            "application/json"
        } else {
            "application/toml"
        };
        let req = self
            .auth(self.http.post(format!("{}{path}", self.base)))?
            .header("content-type", ct)
            .header("idempotency-key", Client::idempotency_key()?)
            .body(bytes);
        self.send(req).await
    }

    pub(crate) async fn get(&self, path: &str, authed: bool) -> Result<(u16, Value)> {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if authed {
            req = self.auth(req)?;
        }
        self.send(req).await
    }
}

/// Prints a response: JSON as is with `--json`, else a short summary.
/// Returns exit code 1 for 4xx/5xx.
pub(crate) fn report(status: u16, v: &Value, json_out: bool, summary: impl Fn(&Value) -> String) -> Result<ExitCode> {
    if status >= 400 {
        if json_out {
            println!("{}", serde_json::to_string_pretty(v)?);
        } else {
            eprintln!("error {status}: {}", v["detail"].as_str().unwrap_or(&v.to_string()));
            for p in v["problems"].as_array().into_iter().flatten() {
                eprintln!(
                    "  {} [{}] {}",
                    p["pointer"].as_str().unwrap_or(""),
                    p["code"].as_str().unwrap_or(""),
                    p["message"].as_str().unwrap_or("")
                );
            }
        }
        return Ok(ExitCode::from(1));
    }
    if json_out {
        println!("{}", serde_json::to_string_pretty(v)?);
    } else {
        println!("{}", summary(v));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn application_summary(v: &Value) -> String {
    let mut s = format!("application {}: {}", v["id"].as_str().unwrap_or("?"), v["status"].as_str().unwrap_or("?"));
    if let Some(l) = v["label"].as_str() {
        s.push_str(&format!(" (label {l})"));
    }
    for p in v["problems"].as_array().into_iter().flatten() {
        s.push_str(&format!(
            "\n  {} {} [{}] {}\n      help: {}",
            p["severity"].as_str().unwrap_or(""),
            p["pointer"].as_str().unwrap_or(""),
            p["code"].as_str().unwrap_or(""),
            p["message"].as_str().unwrap_or(""),
            p["help"].as_str().unwrap_or("")
        ));
    }
    s
}

pub(crate) fn label_summary(v: &Value) -> String {
    let mut s = format!(
        "label {}: {} ({}), issued {}, valid through {}",
        v["id"].as_str().unwrap_or("?"),
        v["status"].as_str().unwrap_or("?"),
        v["level"].as_str().unwrap_or("?"),
        v["issued_on"].as_str().unwrap_or("?"),
        v["expires_on"].as_str().unwrap_or("?"),
    );
    let name = &v["product"]["name"];
    if let Some(n) = name["ja"].as_str().or(name["en"].as_str()) {
        s.push_str(&format!("\n  product: {n}"));
    }
    if let Some(r) = v.get("revocation").filter(|r| !r.is_null()) {
        s.push_str(&format!(
            "\n  revoked ({}): {}",
            r["ground"].as_str().unwrap_or(""),
            r["statement"].as_str().unwrap_or("")
        ));
    }
    s
}
