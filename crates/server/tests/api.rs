//! The real server on 127.0.0.1:0, driven by a real HTTP client, on SQLite
//! and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::sync::Arc;

use jiff::civil::date;
use reqwest::StatusCode;
use serde_json::{Value, json};
use starmark_criteria::CatalogSet;
use starmark_registry::Registry;
use starmark_registry::auth::{OrgKind, Role};
use starmark_registry::clock::ManualClock;
use starmark_registry::store::Store;
use starmark_registry::testkit::{EXAMPLE_CHECKLIST, test_log_key};
use starmark_server::AppState;

struct Server {
    base: String,
    client: reqwest::Client,
    clock: Arc<ManualClock>,
    store: Arc<dyn Store>,
    vendor: String,
    other_vendor: String,
    reviewer: String,
    liaison: String,
    admin: String,
    lab: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    _dir: Option<tempfile::TempDir>,
}

fn new_key() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn sqlite() -> (Arc<dyn Store>, Option<tempfile::TempDir>) {
    let dir = tempfile::tempdir().unwrap();
    let s = starmark_registry_sqlite::SqliteStore::open(&dir.path().join("db")).await.unwrap();
    (Arc::new(s), Some(dir))
}

async fn postgres() -> (Arc<dyn Store>, Option<tempfile::TempDir>) {
    let url = std::env::var("STARMARK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    let schema = format!("t_{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>());
    match starmark_registry_postgres::PgStore::connect_in_schema(&url, &schema).await {
        Ok(s) => (Arc::new(s), None),
        Err(e) => panic!("PostgreSQL is required and not reachable at {url} ({e}); run `cargo xtask test`"),
    }
}

async fn start(backend: (Arc<dyn Store>, Option<tempfile::TempDir>)) -> Server {
    start_with(backend, CatalogSet::embedded().unwrap()).await
}

async fn start_with(backend: (Arc<dyn Store>, Option<tempfile::TempDir>), catalogs: CatalogSet) -> Server {
    let (store, dir) = backend;
    let clock = Arc::new(ManualClock::at_date(date(2026, 11, 27)));
    let registry = Registry::new(store.clone(), Arc::new(catalogs), clock.clone()).with_log_key(test_log_key());
    let token = async |kind, name: &str, role| {
        let org = registry.add_org(kind, name, None).await.unwrap();
        registry.issue_token(&org.id, role, "test").await.unwrap().expose().to_string()
    };
    let vendor = token(OrgKind::Vendor, "Example Corp.", Role::Vendor).await;
    let other_vendor = token(OrgKind::Vendor, "Other Corp.", Role::Vendor).await;
    let reviewer = token(OrgKind::SchemeOwner, "Owner", Role::Reviewer).await;
    let liaison = token(OrgKind::SchemeOwner, "Owner 2", Role::Liaison).await;
    let admin = token(OrgKind::SchemeOwner, "Owner 3", Role::Admin).await;
    let lab = {
        let org = registry.add_org(OrgKind::TestLab, "Lab", Some("ASNITE-0001".into())).await.unwrap();
        registry.issue_token(&org.id, Role::Lab, "test").await.unwrap().expose().to_string()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(Arc::new(registry), base.clone());
    tokio::spawn(starmark_server::serve(listener, state, async move {
        let _ = rx.await;
    }));
    Server {
        base,
        // A refused request's body may go unread, and the server then closes
        // the connection; a pooled client reusing it would see the close
        // instead of its next answer. Every request gets its own connection.
        client: reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap(),
        clock,
        store,
        vendor,
        other_vendor,
        reviewer,
        liaison,
        admin,
        lab,
        _shutdown: tx,
        _dir: dir,
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn submit(&self, token: &str, body: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url("/api/v1/applications"))
            .bearer_auth(token)
            .header("content-type", "application/toml")
            .header("idempotency-key", new_key())
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap())
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self.client.post(self.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Submits the example and clears its inquiry; returns the application ID.
    async fn cleared(&self) -> String {
        self.cleared_with(EXAMPLE_CHECKLIST).await
    }

    /// A label granted on the example checklist; its ID.
    async fn granted(&self) -> String {
        let id = self.cleared().await;
        let (s, label) = self.post(&self.reviewer, &format!("/api/v1/applications/{id}/grant"), json!({})).await;
        assert_eq!(s, StatusCode::CREATED, "{label}");
        label["id"].as_str().unwrap().to_string()
    }

    /// Submits `checklist` as the vendor and clears its inquiry.
    async fn cleared_with(&self, checklist: &str) -> String {
        let (s, app) = self.submit(&self.vendor, checklist).await;
        assert_eq!(s, StatusCode::CREATED, "{app}");
        let id = app["id"].as_str().unwrap().to_string();
        let (s, v) = self
            .post(
                &self.liaison,
                &format!("/api/v1/applications/{id}/inquiry"),
                json!({"outcome": "cleared", "note": "no concern"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        id
    }

    async fn event_count(&self) -> usize {
        self.store.events(0, 100_000).await.unwrap().len()
    }
}

async fn end_to_end(srv: Server) {
    // apply -> format check
    let (s, app) = srv.submit(&srv.vendor, EXAMPLE_CHECKLIST).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(app["status"], "awaiting_inquiry", "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    // a failing checklist is kept, returned, with located problems
    let (s, returned) =
        srv.submit(&srv.vendor, &EXAMPLE_CHECKLIST.replacen("code = \"VN\"", "code = \"Viet Nam\"", 1)).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(returned["status"], "returned");
    assert_eq!(returned["problems"][0]["pointer"], "/product/country_of_manufacture/code");
    // inquiry -> grant
    let (s, _) =
        srv.post(&srv.liaison, &format!("/api/v1/applications/{id}/inquiry"), json!({"outcome": "cleared"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, label) = srv.post(&srv.reviewer, &format!("/api/v1/applications/{id}/grant"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{label}");
    let label_id = label["id"].as_str().unwrap().to_string();
    assert!(label_id.starts_with("STAR1-2026-"), "{label_id}");
    assert_eq!(label["expires_on"], "2028-11-26");
    // public look-up: no token, public fields only
    let (s, public) = srv.get(None, &format!("/api/v1/labels/{label_id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(public["status"], "valid");
    assert_eq!(public["product"]["manufacturer"], "Example Manufacturing Co., Ltd.");
    assert!(public["product"].get("country_of_manufacture").is_none(), "undisclosed country leaked: {public}");
    assert!(public.get("vendor").is_none() && public.get("application").is_none());
    let (s, page) = srv.get(None, "/api/v1/labels?q=HC-200W&status=valid&level=star-1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], label_id.as_str());
    // a mistyped ID is told apart from an absent one
    let mut typo = label_id.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == 'A' { 'B' } else { 'A' });
    let (s, p) = srv.get(None, &format!("/api/v1/labels/{typo}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(p["type"], "urn:starmark:problem:label-id-mistyped");
    // A change report with a malformed evidence digest: refused, naming the field; nothing changes.
    for bad in [json!("ABC"), json!("z".repeat(64)), json!(7), json!("a".repeat(100_000))] {
        let (s, p) = srv
            .post(
                &srv.vendor,
                &format!("/api/v1/labels/{label_id}/changes"),
                json!({"description": "x", "evidence_manifest_sha256": bad}),
            )
            .await;
        assert!(s.is_client_error(), "{s} {p}");
        assert!(p.to_string().contains("evidence_manifest_sha256"), "{p}");
    }
    // Texts the registry publishes refuse control characters, direction
    // overrides (they break the Atom feed's XML, or make a public statement
    // read differently) and oversized or blank ones, naming the field.
    for bad in ["\u{1}firmware", "firm\u{202e}ware", "nul\u{0}", "\u{ffff}", &"x".repeat(10_001), "  "] {
        let (s, p) =
            srv.post(&srv.vendor, &format!("/api/v1/labels/{label_id}/changes"), json!({"description": bad})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(p["problems"][0]["pointer"], "/description", "{p}");
    }
    // Control characters in a path or a query, and unknown categories, are
    // the client's mistake on both databases, never "storage unavailable".
    let nul_page = format!("/labels/{label_id}%00");
    for path in ["/api/v1/applications/%00", "/api/v1/applications/%00/events", "/api/v1/labels/%0A", &nul_page] {
        let (s, p) = srv.get(Some(&srv.vendor), path).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path} {p}");
        assert_eq!(p["type"], "urn:starmark:problem:control-character", "{path} {p}");
    }
    for category in ["toaster", "%00"] {
        let (s, p) = srv.get(None, &format!("/api/v1/labels?category={category}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
        assert_eq!(p["problems"][0]["pointer"], "/category", "{p}");
    }
    let (_, public) = srv.get(None, &format!("/api/v1/labels/{label_id}")).await;
    assert_eq!(public["status"], "valid");
    // change report -> revoked
    let (s, revoked) = srv
        .post(&srv.vendor, &format!("/api/v1/labels/{label_id}/changes"), json!({"description": "new login firmware"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["revocation"]["ground"], "specification_changed");
    let (_, public) = srv.get(None, &format!("/api/v1/labels/{label_id}")).await;
    assert_eq!(public["status"], "revoked");
    let (s, events) = srv.get(None, &format!("/api/v1/labels/{label_id}/events")).await;
    assert_eq!(s, StatusCode::OK);
    let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["label_granted", "change_reported"]);
    assert!(events[0]["data"].get("vendor").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn end_to_end_on_sqlite() {
    end_to_end(start(sqlite().await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn end_to_end_on_postgres() {
    end_to_end(start(postgres().await).await).await;
}

async fn expiry(srv: Server) {
    let id = srv.cleared().await;
    let (_, label) = srv.post(&srv.reviewer, &format!("/api/v1/applications/{id}/grant"), json!({})).await;
    let label_id = label["id"].as_str().unwrap().to_string();
    srv.clock.set_date(date(2028, 11, 26));
    assert_eq!(srv.get(None, &format!("/api/v1/labels/{label_id}")).await.1["status"], "valid");
    srv.clock.set_date(date(2028, 11, 27));
    let (_, l) = srv.get(None, &format!("/api/v1/labels/{label_id}")).await;
    assert_eq!(l["status"], "expired");
    assert_eq!(l["as_of"], "2028-11-27");
    assert_eq!(srv.get(None, "/api/v1/labels?status=expired").await.1["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_label_expires_by_the_clock_on_sqlite() {
    expiry(start(sqlite().await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_label_expires_by_the_clock_on_postgres() {
    expiry(start(postgres().await).await).await;
}

/// Route × role: who gets what. `None` is no token at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn authorization_matrix() {
    let srv = start(sqlite().await).await;
    let id = srv.cleared().await;
    let (_, label) =
        srv.post(&srv.reviewer, &format!("/api/v1/applications/{}/grant", srv.cleared().await), json!({})).await;
    let lid = label["id"].as_str().unwrap().to_string();
    let roles: [(&str, Option<&str>); 7] = [
        ("none", None),
        ("vendor", Some(&srv.vendor)),
        ("other_vendor", Some(&srv.other_vendor)),
        ("reviewer", Some(&srv.reviewer)),
        ("liaison", Some(&srv.liaison)),
        ("admin", Some(&srv.admin)),
        ("lab", Some(&srv.lab)),
    ];
    // GET routes: expected status per role, in the order above.
    let gets: Vec<(String, [u16; 7])> = vec![
        (format!("/api/v1/applications/{id}"), [401, 200, 404, 200, 200, 200, 404]),
        (format!("/api/v1/applications/{id}/events"), [401, 200, 404, 200, 200, 200, 404]),
        (format!("/api/v1/labels/{lid}"), [200; 7]),
        (format!("/api/v1/labels/{lid}/events"), [200; 7]),
        ("/api/v1/labels".to_string(), [200; 7]),
        ("/healthz".to_string(), [200; 7]),
    ];
    for (path, expect) in &gets {
        for ((name, tok), want) in roles.iter().zip(expect) {
            let (s, body) = srv.get(*tok, path).await;
            assert_eq!(s.as_u16(), *want, "GET {path} as {name}: {body}");
        }
    }
    // POST routes that must be refused for every role but one; the allowed
    // role is exercised by the other tests. A refused request writes nothing.
    let before = srv.event_count().await;
    let posts: Vec<(String, Value, [u16; 7])> = vec![
        (
            format!("/api/v1/applications/{id}/inquiry"),
            json!({"outcome": "cleared"}),
            [401, 403, 403, 403, 0, 403, 403],
        ),
        (format!("/api/v1/applications/{id}/grant"), json!({}), [401, 403, 403, 0, 403, 403, 403]),
        (format!("/api/v1/applications/{id}/refuse"), json!({"reason": "x"}), [401, 403, 403, 0, 403, 403, 403]),
        (
            format!("/api/v1/labels/{lid}/revoke"),
            json!({"ground": "false_application", "statement": "x"}),
            [401, 403, 403, 0, 403, 403, 403],
        ),
        (format!("/api/v1/labels/{lid}/changes"), json!({"description": "x"}), [401, 0, 403, 403, 403, 403, 403]),
    ];
    for (path, body, expect) in &posts {
        for ((name, tok), want) in roles.iter().zip(expect) {
            if *want == 0 {
                continue;
            }
            let mut req = srv.client.post(srv.url(path)).json(body);
            if let Some(t) = tok {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status().as_u16(), *want, "POST {path} as {name}");
            assert_eq!(r.headers()["content-type"], "application/problem+json");
        }
    }
    for (name, tok) in roles.iter().filter(|(n, _)| *n != "vendor") {
        // Any vendor may apply for itself; every other role is refused.
        if *name == "other_vendor" {
            continue;
        }
        let mut req = srv
            .client
            .post(srv.url("/api/v1/applications"))
            .header("content-type", "application/toml")
            .body(EXAMPLE_CHECKLIST);
        if let Some(t) = tok {
            req = req.bearer_auth(t);
        }
        let s = req.send().await.unwrap().status().as_u16();
        assert!(s == 401 || s == 403, "submit as {name}: {s}");
        let mut req = srv.client.put(srv.url(&format!("/api/v1/labels/{lid}/security-info"))).json(&json!({}));
        if let Some(t) = tok {
            req = req.bearer_auth(t);
        }
        let s = req.send().await.unwrap().status().as_u16();
        assert!(s == 401 || s == 403, "security-info as {name}: {s}");
    }
    assert_eq!(srv.event_count().await, before, "a refused request wrote events");
}

/// Malformed, oversized and hostile input: a 4xx problem document, never a
/// 5xx, and nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_input_is_refused_cleanly() {
    let srv = start(sqlite().await).await;
    let id = srv.cleared().await;
    let before = srv.event_count().await;
    let send = |method: reqwest::Method, path: &str, ct: Option<&str>, body: Vec<u8>, token: Option<String>| {
        let mut req = srv.client.request(method, srv.url(path)).body(body).header("idempotency-key", new_key());
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let v = Some(srv.vendor.clone());
    let l = Some(srv.liaison.clone());
    // (method, path, content type, body, token, expected status)
    type Case<'a> = (reqwest::Method, String, Option<&'a str>, Vec<u8>, Option<String>, u16);
    let cases: Vec<Case> = vec![
        (
            reqwest::Method::POST,
            "/api/v1/applications".into(),
            Some("application/toml"),
            b"format = ".to_vec(),
            v.clone(),
            422,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/applications".into(),
            Some("application/json"),
            b"{\"format\": 1}".to_vec(),
            v.clone(),
            422,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/applications".into(),
            Some("application/toml"),
            vec![0xff, 0xfe, 0x00],
            v.clone(),
            422,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/applications".into(),
            Some("text/html"),
            EXAMPLE_CHECKLIST.as_bytes().to_vec(),
            v.clone(),
            415,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/applications".into(),
            None,
            EXAMPLE_CHECKLIST.as_bytes().to_vec(),
            v.clone(),
            415,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/applications".into(),
            Some("application/toml"),
            vec![b'#'; 3 * 1024 * 1024],
            v.clone(),
            413,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/applications/{id}/inquiry"),
            Some("application/json"),
            b"{\"outcome\": ".to_vec(),
            l.clone(),
            400,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/applications/{id}/inquiry"),
            Some("application/json"),
            b"{\"outcome\": \"maybe\"}".to_vec(),
            l.clone(),
            422,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/applications/{id}/inquiry"),
            Some("application/json"),
            b"{\"outcome\": \"cleared\", \"x\": 1}".to_vec(),
            l.clone(),
            422,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/applications/{id}/inquiry"),
            Some("application/json"),
            b"{\"outcome\": \"cleared\"} []".to_vec(),
            l.clone(),
            400,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/applications/{id}/inquiry"),
            Some("application/x-www-form-urlencoded"),
            b"outcome=cleared".to_vec(),
            l.clone(),
            415,
        ),
        (reqwest::Method::GET, "/api/v1/applications/'%20OR%201=1%20--".into(), None, vec![], v.clone(), 404),
        (reqwest::Method::GET, "/api/v1/applications/..%2F..%2Fetc%2Fpasswd".into(), None, vec![], v.clone(), 404),
        (reqwest::Method::GET, "/api/v1/labels/..%2F..%2Fetc%2Fpasswd".into(), None, vec![], None, 404),
        (
            reqwest::Method::GET,
            "/api/v1/labels/STAR1-2026-000001Z'%3B%20DROP%20TABLE%20labels".into(),
            None,
            vec![],
            None,
            404,
        ),
        (reqwest::Method::GET, "/api/v1/labels?level=star-9".into(), None, vec![], None, 400),
        (reqwest::Method::GET, "/api/v1/labels?per_page=100000".into(), None, vec![], None, 400),
        (reqwest::Method::GET, "/api/v1/labels?page=-1".into(), None, vec![], None, 400),
        (reqwest::Method::GET, "/api/v1/labels?status=%00".into(), None, vec![], None, 400),
        (reqwest::Method::GET, "/api/v1/nope".into(), None, vec![], None, 404),
    ];
    for (method, path, ct, body, token, want) in cases {
        let r = send(method.clone(), &path, ct, body, token).await.unwrap();
        let status = r.status().as_u16();
        let ctype = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let text = r.text().await.unwrap();
        assert_eq!(status, want, "{method} {path}: {text}");
        assert_eq!(ctype, "application/problem+json", "{method} {path}");
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert!(doc["type"].as_str().unwrap().starts_with("urn:starmark:problem:"), "{text}");
    }
    // An oversized body gets 413. The server may answer before the client
    // has finished sending, in which case the client sees the connection
    // close instead; try a few times and require one 413 among the answers.
    let mut got_413 = false;
    for _ in 0..5 {
        let big = vec![b'#'; starmark_server::MAX_BODY_BYTES + 1];
        match send(reqwest::Method::POST, "/api/v1/applications", Some("application/toml"), big, v.clone()).await {
            Ok(r) => {
                assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
                got_413 = true;
                break;
            }
            Err(e) => assert!(e.is_request() || e.is_body() || e.is_connect(), "{e}"),
        }
    }
    assert!(got_413, "never received the 413 answer");
    // Hostile search text is data.
    for q in ["' OR 1=1 --", "%", "_", "\\", "%00", "<script>"] {
        let (s, page) = srv.get(None, &format!("/api/v1/labels?q={q}")).await;
        assert_eq!(s, StatusCode::OK, "q={q}");
        assert_eq!(page["total"], 0, "q={q}");
    }
    let bad_tokens = ["Bearer", "Bearer ", "Basic abc", "Bearer smk_0000", "bearer x"];
    for h in bad_tokens {
        let r = srv
            .client
            .get(srv.url(&format!("/api/v1/applications/{id}")))
            .header("authorization", h)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{h}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
    }
    assert_eq!(srv.event_count().await, before, "bad input wrote events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_post_never_creates_a_second_application() {
    let srv = start(sqlite().await).await;
    let post = |key: &str, body: &str| {
        srv.client
            .post(srv.url("/api/v1/applications"))
            .bearer_auth(&srv.vendor)
            .header("content-type", "application/toml")
            .header("idempotency-key", key)
            .body(body.to_string())
            .send()
    };
    let a = post("k-1", EXAMPLE_CHECKLIST).await.unwrap();
    assert_eq!(a.status(), StatusCode::CREATED);
    let a: Value = a.json().await.unwrap();
    let b = post("k-1", EXAMPLE_CHECKLIST).await.unwrap();
    assert_eq!(b.status(), StatusCode::CREATED);
    assert_eq!(b.headers()["idempotent-replayed"], "true");
    let b: Value = b.json().await.unwrap();
    assert_eq!(a["id"], b["id"]);
    let c = post("k-1", &EXAMPLE_CHECKLIST.replacen("HC-200W", "HC-200X", 1)).await.unwrap();
    assert_eq!(c.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Creating an application without a key is refused: a retry could not be recognised.
    let d = srv
        .client
        .post(srv.url("/api/v1/applications"))
        .bearer_auth(&srv.vendor)
        .header("content-type", "application/toml")
        .body(EXAMPLE_CHECKLIST)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status(), StatusCode::PRECONDITION_REQUIRED);
    let submitted = srv
        .store
        .events(0, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event.kind.name() == "application_submitted")
        .count();
    assert_eq!(submitted, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_grant_requests_give_one_label() {
    let srv = Arc::new(start(sqlite().await).await);
    let id = srv.cleared().await;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let srv = srv.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            srv.post(&srv.reviewer, &format!("/api/v1/applications/{id}/grant"), json!({})).await.0
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(srv.get(None, "/api/v1/labels").await.1["total"], 1);
}

#[tokio::test]
async fn every_route_is_in_the_openapi_document_and_headers_are_set() {
    let srv = start(sqlite().await).await;
    let r = srv.client.get(srv.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    for h in ["x-content-type-options", "content-security-policy", "x-frame-options", "referrer-policy"] {
        assert!(r.headers().contains_key(h), "missing {h}");
    }
    assert_eq!(r.headers()["cache-control"], "no-store", "API answers are never cached");
    assert!(!r.headers().contains_key("strict-transport-security"), "no HSTS on a plain-HTTP site");
    let doc: Value = r.json().await.unwrap();
    let mut got: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            got.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    got.sort();
    let mut want = vec![
        "GET /healthz",
        "POST /api/v1/applications",
        "GET /api/v1/applications/{id}",
        "GET /api/v1/applications/{id}/events",
        "POST /api/v1/applications/{id}/inquiry",
        "POST /api/v1/applications/{id}/report",
        "POST /api/v1/applications/{id}/grant",
        "POST /api/v1/applications/{id}/refuse",
        "GET /api/v1/labels",
        "GET /api/v1/labels/{label_id}",
        "GET /api/v1/labels/{label_id}/events",
        "POST /api/v1/labels/{label_id}/revoke",
        "POST /api/v1/labels/{label_id}/changes",
        "POST /api/v1/labels/{label_id}/renewals",
        "PUT /api/v1/labels/{label_id}/security-info",
        "POST /api/v1/procurement/check",
        "GET /api/v1/labels/{label_id}/bundle",
        "GET /api/v1/log/entries/{index}",
        "GET /api/v1/log/proof/inclusion",
        "GET /api/v1/log/proof/consistency",
        "GET /api/v1/log/keys",
    ];
    want.sort();
    assert_eq!(got, want);
    // The served document is the one the code generates.
    assert_eq!(doc, serde_json::to_value(starmark_server::openapi()).unwrap());
    let (s, h) = srv.get(None, "/healthz").await;
    assert_eq!((s, h["storage"].as_str()), (StatusCode::OK, Some("ok")));
}

/// STAR-3 over HTTP: the application form, the laboratory's report, certification.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn star3_report_and_certification() {
    let srv = start_with(sqlite().await, starmark_registry::testkit::catalogs_with_star3()).await;
    let form = starmark_registry::testkit::star3_application("ASNITE-0001");
    let (s, app) = srv.submit(&srv.vendor, &form).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(app["status"], "awaiting_report", "{app}");
    let id = app["id"].as_str().unwrap();
    let report = json!({
        "report_id": "LAB-1", "issued_on": "2026-11-20",
        "criteria": {"catalog": "star-3-network-camera-test", "version": "0.1"},
        "result": "conforms", "sha256": "cd".repeat(32), "summary": {"en": "Meets T3-01."}
    });
    let path = format!("/api/v1/applications/{id}/report");
    assert_eq!(srv.post(&srv.vendor, &path, report.clone()).await.0, StatusCode::FORBIDDEN);
    let mut bad = report.clone();
    bad["issued_on"] = json!("2026-02-30");
    let (s, p) = srv.post(&srv.lab, &path, bad).await;
    assert_eq!((s, p["problems"][0]["pointer"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("/issued_on")));
    let mut bad = report.clone();
    bad["sha256"] = json!("xyz");
    assert_eq!(srv.post(&srv.lab, &path, bad).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, app) = srv.post(&srv.lab, &path, report).await;
    assert_eq!(s, StatusCode::OK, "{app}");
    assert_eq!(app["status"], "awaiting_inquiry");
    assert_eq!(app["report"]["lab"], "Lab");
    srv.post(&srv.liaison, &format!("/api/v1/applications/{id}/inquiry"), json!({"outcome": "cleared"})).await;
    let (s, label) = srv.post(&srv.reviewer, &format!("/api/v1/applications/{id}/grant"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{label}");
    assert!(label["id"].as_str().unwrap().starts_with("STAR3-2026-"));
    let (_, public) = srv.get(None, &format!("/api/v1/labels/{}", label["id"].as_str().unwrap())).await;
    assert_eq!(public["report"]["report_id"], "LAB-1");
    assert_eq!(public["category"], "network-camera");
}

async fn page(srv: &Server, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let r = srv.client.get(srv.url(path)).send().await.unwrap();
    let (s, h) = (r.status(), r.headers().clone());
    (s, r.text().await.unwrap(), h)
}

/// The product page behind the QR code, in Japanese and English, with the
/// status unmistakable; the QR code decodes (zbarimg) to the page's URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn product_page_and_qr_code() {
    let srv = start(sqlite().await).await;
    let hostile = EXAMPLE_CHECKLIST.replacen(
        "en = \"Home Camera HC-200\"",
        "en = \"Home Camera <script>alert(1)</script> HC-200\"",
        1,
    );
    let (s, app) = srv.submit(&srv.vendor, &hostile).await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    srv.post(&srv.liaison, &format!("/api/v1/applications/{id}/inquiry"), json!({"outcome": "cleared"})).await;
    let (_, label) = srv.post(&srv.reviewer, &format!("/api/v1/applications/{id}/grant"), json!({})).await;
    let lid = label["id"].as_str().unwrap().to_string();
    let r = srv
        .client
        .put(srv.url(&format!("/api/v1/labels/{lid}/security-info")))
        .bearer_auth(&srv.vendor)
        .json(&json!({"vulnerability_contact": "security@example.com", "vulnerabilities": {"ja": "既知の脆弱性なし", "en": "No known vulnerabilities"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let (s, ja, headers) = page(&srv, &format!("/labels/{lid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    for want in [
        "<html lang=\"ja\">",
        "ホームカメラ HC-200",
        "class=\"status status-valid\"",
        "<strong>有効</strong>",
        &lid,
        "HC-200W",
        "Example Manufacturing Co., Ltd.",
        "https://www.example.com/support",
        "IoT製品ベンダー（有資格者）",
        "エグザンプル株式会社",
        "UK PSTI statement of compliance: EX-PSTI-2026-001",
        "★1 適合基準 (star-1 1.1)",
        "security@example.com",
        "既知の脆弱性なし",
        "英国 製品セキュリティ・電気通信インフラ法（PSTI）のセキュリティ要件",
        "ラベル付与",
        "hreflang=\"en\"",
        "https://www.ipa.go.jp/security/jc-star/",
    ] {
        assert!(ja.contains(want), "Japanese page lacks {want:?}");
    }
    assert_eq!(ja.matches("<td>適合</td>").count(), 16, "every criterion's result is shown");
    assert!(!ja.contains(">VN<"), "the undisclosed country is shown");

    let (_, en, _) = page(&srv, &format!("/labels/{lid}?lang=en")).await;
    for want in [
        "<html lang=\"en\">",
        "<strong>Valid</strong>",
        "IoT product vendor (qualified individual)",
        "No known vulnerabilities",
        "label granted",
    ] {
        assert!(en.contains(want), "English page lacks {want:?}");
    }
    assert!(
        en.contains("Home Camera &#60;script&#62;") || en.contains("Home Camera &lt;script&gt;"),
        "the product name is not escaped"
    );
    assert!(!en.contains("<script>"), "markup from the vendor reached the page");

    // The QR code encodes the canonical URL of the page.
    let png = srv.client.get(srv.url(&format!("/labels/{lid}/qr.png"))).send().await.unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("qr.png");
    std::fs::write(&f, png.bytes().await.unwrap()).unwrap();
    assert_eq!(zbar(&f), format!("{}/labels/{lid}", srv.base));
    let svg = srv.client.get(srv.url(&format!("/labels/{lid}/qr.svg"))).send().await.unwrap();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().starts_with("<?xml"));

    // Revoked: the ground, the date and the statement.
    srv.post(
        &srv.reviewer,
        &format!("/api/v1/labels/{lid}/revoke"),
        json!({"ground": "false_application", "statement": "虚偽の申請が判明したため取り消しました。"}),
    )
    .await;
    let (_, revoked, _) = page(&srv, &format!("/labels/{lid}")).await;
    assert!(revoked.contains("<strong>ラベル取消し</strong>"));
    assert!(revoked.contains("申請内容の虚偽が判明した"));
    assert!(revoked.contains("虚偽の申請が判明したため取り消しました。"));

    // Not found and mistyped IDs: an HTML 404 that says which.
    let (s, nf, _) = page(&srv, "/labels/STAR1-2026-999999X").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(nf.contains("ラベルが見つかりません"));
    let mut typo = lid.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == 'A' { 'B' } else { 'A' });
    let (s, body, _) = page(&srv, &format!("/labels/{typo}?lang=en")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(body.contains("check character does not match"), "{body}");
    assert_eq!(
        srv.client.get(srv.url(&format!("/labels/{typo}/qr.png"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_label_says_so_with_its_date() {
    let srv = start(sqlite().await).await;
    let lid = srv.granted().await;
    srv.clock.set_date(date(2028, 11, 27));
    let (_, body, _) = page(&srv, &format!("/labels/{lid}")).await;
    assert!(body.contains("<strong>ラベル有効期限切れ</strong>"), "{body}");
    assert!(body.contains("2028-11-26"));
    let (_, en, _) = page(&srv, &format!("/labels/{lid}?lang=en")).await;
    assert!(en.contains("<strong>Label expired</strong> — expired after 2028-11-26"), "{en}");
}

/// Home and search: filters, pagination, "did you mean" for a mistyped ID,
/// and escaping of what the visitor typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn home_search_and_did_you_mean() {
    let srv = start(sqlite().await).await;
    // First run: an empty registry tells the operator how to begin.
    let (_, first, _) = page(&srv, "/").await;
    assert!(first.contains("class=\"first-run\"") && first.contains("starmark admin org add"), "{first}");
    let mut labels = Vec::new();
    for _ in 0..22 {
        let id = srv.cleared().await;
        let (_, l) = srv.post(&srv.reviewer, &format!("/api/v1/applications/{id}/grant"), json!({})).await;
        labels.push(l["id"].as_str().unwrap().to_string());
    }
    srv.post(
        &srv.reviewer,
        &format!("/api/v1/labels/{}/revoke", labels[3]),
        json!({"ground": "false_application", "statement": "x"}),
    )
    .await;

    let (s, home, _) = page(&srv, "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(home.contains("<html lang=\"ja\">") && home.contains("role=\"search\""));
    assert!(!home.contains("class=\"results\""), "no search, no results");
    assert!(!home.contains("class=\"first-run\""), "the first-run hint stays once labels exist");

    let (_, p1, _) = page(&srv, "/?q=HC-200W").await;
    assert!(p1.contains("22件"), "{p1}");
    assert_eq!(p1.matches("<li><a href=\"/labels/").count(), 20);
    let next = p1.split("rel=\"next\"").next().and_then(|b| b.rsplit("href=\"").next()).unwrap_or("");
    assert!(next.starts_with("/?q=HC-200W&") && next.contains("page=2"), "no next link: {next}");
    let (_, p2, _) = page(&srv, "/?q=HC-200W&page=2").await;
    assert_eq!(p2.matches("<li><a href=\"/labels/").count(), 2);
    assert!(p2.contains("rel=\"prev\""));

    let (_, revoked, _) = page(&srv, "/?status=revoked&lang=en").await;
    assert!(revoked.contains("1 label(s)"), "{revoked}");
    assert!(revoked.contains(&labels[3]));
    assert!(revoked.contains("Label revoked"));

    // A mistyped ID: the page names the label that was meant.
    let real = &labels[11];
    let bytes = real.as_bytes();
    let pos = real.len() - 3; // two digits of the sequence, swapped
    let mut typo = bytes.to_vec();
    typo.swap(pos, pos + 1);
    let typo = String::from_utf8(typo).unwrap();
    assert_ne!(&typo, real);
    let (_, dym, _) = page(&srv, &format!("/?q={typo}")).await;
    assert!(dym.contains("class=\"did-you-mean\""), "{dym}");
    assert!(dym.contains(&format!("href=\"/labels/{real}\"")), "did not suggest {real}: {dym}");

    // What the visitor typed is escaped, and odd filters are ignored.
    let (s, esc, _) = page(&srv, "/?q=%3Cscript%3Ealert(1)%3C/script%3E&level=star-9&status=x&page=-3").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!esc.contains("<script>"));
    assert!(esc.contains("0件"));
}

/// Grants a label for the example with other model numbers and options.
async fn grant_variant(srv: &Server, models: &str, extra_top: &str) -> String {
    let body = EXAMPLE_CHECKLIST
        .replacen("model_numbers = [\"HC-200\", \"HC-200W\"]", &format!("model_numbers = [{models}]"), 1)
        .replacen("[criteria]", &format!("{extra_top}\n[criteria]"), 1);
    let (s, app) = srv.submit(&srv.vendor, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap();
    srv.post(&srv.liaison, &format!("/api/v1/applications/{id}/inquiry"), json!({"outcome": "cleared"})).await;
    let (s, l) = srv.post(&srv.reviewer, &format!("/api/v1/applications/{id}/grant"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    l["id"].as_str().unwrap().to_string()
}

/// The product page says the vendor keeps the evidence, by its bundle's
/// digest, never more.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_product_page_names_the_evidence_bundle() {
    let srv = start(sqlite().await).await;
    let digest = "4f1651581c13e556ba3e157ac9f47c1e255872d12e69a7ceeca926e085dec1d8";
    let lid = grant_variant(
        &srv,
        "\"EV-1\"",
        &format!("evidence_bundle = {{ manifest_sha256 = \"{digest}\", key_id = \"c5743df7afac8848\" }}"),
    )
    .await;
    let (_, ja, _) = page(&srv, &format!("/labels/{lid}")).await;
    assert!(ja.contains("評価の証拠は申請者が保管しています"), "{ja}");
    assert!(ja.contains(&format!("SHA-256 {digest} (key c5743df7afac8848)")), "{ja}");
    let (_, en, _) = page(&srv, &format!("/labels/{lid}?lang=en")).await;
    assert!(en.contains("The vendor keeps the evaluation evidence"), "{en}");
    // A label without a bundle says nothing about one.
    let plain = grant_variant(&srv, "\"EV-2\"", "").await;
    let (_, en, _) = page(&srv, &format!("/labels/{plain}?lang=en")).await;
    assert!(!en.contains("evaluation evidence"));
    // A malformed digest is refused by the format check, naming the field.
    let body =
        EXAMPLE_CHECKLIST.replacen("[criteria]", "evidence_bundle = { manifest_sha256 = \"nope\" }\n[criteria]", 1);
    let (_, app) = srv.submit(&srv.vendor, &body).await;
    assert_eq!(app["status"], "returned", "{app}");
    assert!(app["problems"].to_string().contains("evidence-bundle-malformed"), "{app}");
}

/// A buyer's list against the levels the policy requires by system importance.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn procurement_check_api_and_page() {
    let srv = start(sqlite().await).await;
    let valid = grant_variant(&srv, "\"HC-200\", \"HC-200W\"", "").await;
    let revoked = grant_variant(&srv, "\"RV-1\"", "").await;
    srv.post(
        &srv.reviewer,
        &format!("/api/v1/labels/{revoked}/revoke"),
        json!({"ground": "false_application", "statement": "x"}),
    )
    .await;
    let _expiring = grant_variant(&srv, "\"EX-1\"", "requested_validity_months = 1").await;
    srv.clock.set_date(date(2027, 2, 1));
    let mut typo = valid.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == 'A' { 'B' } else { 'A' });
    let list =
        format!("model_number,qty\nHC-200,3\nhc-200w,1\n{valid}\nRV-1\nEX-1\nNOPE-1\n{typo}\n=HYPERLINK(\"x\")\n");
    let check = |importance: &str, accept: &str| {
        srv.client
            .post(srv.url(&format!("/api/v1/procurement/check?importance={importance}")))
            .header("content-type", "text/csv")
            .header("accept", accept)
            .body(list.clone())
            .send()
    };
    let r = check("government-low", "application/json").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["minimum_level"], "star-1");
    let reasons: Vec<(&str, &str)> = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["input"].as_str().unwrap(), l["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("HC-200", "ok"),
            ("hc-200w", "ok"),
            (valid.as_str(), "ok"),
            ("RV-1", "revoked"),
            ("EX-1", "expired"),
            ("NOPE-1", "no-label"),
            (typo.as_str(), "mistyped-label-id"),
            ("=HYPERLINK(\"x\")", "no-label"),
        ]
    );
    assert!(v["lines"][6]["detail"].as_str().unwrap().contains(&valid), "did-you-mean missing");
    assert_eq!((v["total"].as_u64(), v["ok"].as_u64()), (Some(8), Some(3)));
    assert_eq!(v["lines"][0]["line"], 2, "line numbers count the header");

    let high: Value = check("government-high-medium", "application/json").await.unwrap().json().await.unwrap();
    assert_eq!(high["lines"][0]["reason"], "level-too-low");
    assert_eq!(high["ok"], 0);

    let csv = check("government-low", "text/csv").await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("line,input,ok,label,level,status,reason,detail\r\n"));
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""), "a formula reached the CSV: {csv}");

    for (importance, ct, body, want) in [
        ("nope", "text/csv", "HC-200".to_string(), 400),
        ("government-low", "application/json", "HC-200".to_string(), 415),
        ("government-low", "text/csv", "\n\n".to_string(), 422),
        ("government-low", "text/csv", "X\n".repeat(5_001), 422),
    ] {
        let r = srv
            .client
            .post(srv.url(&format!("/api/v1/procurement/check?importance={importance}")))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), want, "{importance} {ct}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }

    // The page: a form, the result table, and the CSV download.
    let (s, form, _) = page(&srv, "/procurement").await;
    assert_eq!(s, StatusCode::OK);
    assert!(form.contains("調達リストの確認") && form.contains("<textarea"));
    let r = srv
        .client
        .post(srv.url("/procurement?lang=en"))
        .form(&[("importance", "government-low"), ("items", list.as_str()), ("format", "html")])
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    assert!(body.contains("3 of 8 lines OK"), "{body}");
    assert!(body.contains(&format!("href=\"/labels/{valid}?lang=en\"")));
    let r = srv
        .client
        .post(srv.url("/procurement"))
        .form(&[("importance", "government-low"), ("items", "HC-200"), ("format", "csv")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"procurement-check.csv\"");
    let r = srv
        .client
        .post(srv.url("/procurement"))
        .form(&[("importance", "bogus"), ("items", "HC-200")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("role=\"alert\""));
}

/// Open data: every label, across several storage pages, as JSON and CSV.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn open_data_streams_every_label() {
    use starmark_registry::event::{Event, EventKind, NewEvent, Subject};
    use starmark_registry::label_id::LabelId;
    use starmark_registry::model::{PublicRecord, apply_label};
    use starmark_registry::store::{Commit, Write};
    let srv = start(sqlite().await).await;
    let (s, empty, _) = page(&srv, "/open-data/labels.json").await;
    assert_eq!(s, StatusCode::OK);
    let v: Value = serde_json::from_str(&empty).unwrap();
    assert_eq!(v["labels"].as_array().unwrap().len(), 0);

    let checklist = starmark_checklist::parse(EXAMPLE_CHECKLIST.as_bytes(), None).unwrap().checklist;
    let mut commit = Commit::default();
    let log = starmark_registry::transparency::LogView::new(test_log_key());
    for i in 1..=1_001u32 {
        let id = LabelId::new(starmark_criteria::Level::Star1, 2025, i);
        let mut public = PublicRecord::from_checklist(&checklist);
        if i == 7 {
            public.product_name.ja = Some("=HYPERLINK(\"http://x\")".into());
        }
        let ev = NewEvent {
            at: jiff::Timestamp::now(),
            actor: starmark_registry::auth::Actor::system(),
            subject: Subject::Label(id),
            reason: None,
            kind: EventKind::LabelGranted {
                application: format!("app_{i}"),
                vendor: "org".into(),
                level: starmark_criteria::Level::Star1,
                criteria: starmark_criteria::VersionRef { catalog: "star-1".into(), version: "1.1".into() },
                category: None,
                issued_on: date(2025, 6, 1),
                expires_on: date(2027, 5, 31),
                public,
                report: None,
                status_list_index: None,
            },
        };
        let state = apply_label(None, &Event { seq: 0, event: ev.clone() }).unwrap();
        commit.log.push(log.append(commit.events.len(), &ev, &state).unwrap());
        commit.events.push(ev);
        commit.labels.push(Write { state, expected: None });
    }
    srv.store.commit(commit).await.unwrap();

    let (_, json_text, headers) = page(&srv, "/open-data/labels.json").await;
    assert_eq!(headers["content-type"], "application/json");
    let v: Value = serde_json::from_str(&json_text).unwrap();
    let labels = v["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 1_001);
    let mut ids: Vec<&str> = labels.iter().map(|l| l["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 1_001, "a label appears twice across pages");
    assert!(labels.iter().all(|l| l.get("vendor").is_none() && l["product"].get("country_of_manufacture").is_none()));

    let (_, csv, headers) = page(&srv, "/open-data/labels.csv").await;
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.lines().count(), 1_002);
    assert!(csv.starts_with("label_id,level,"));
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "a formula reached the CSV");
}

/// The Atom feed of status changes (escaped), and the open-data page.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn atom_feed_and_open_data_page() {
    let srv = start(sqlite().await).await;
    let hostile = grant_variant(&srv, "\"FD-1\"", "").await;
    let body = EXAMPLE_CHECKLIST.replacen("en = \"Home Camera HC-200\"", "en = \"Cam <script>x</script> & co\"", 1);
    let (_, app) = srv.submit(&srv.vendor, &body).await;
    let id = app["id"].as_str().unwrap();
    srv.post(&srv.liaison, &format!("/api/v1/applications/{id}/inquiry"), json!({"outcome": "cleared"})).await;
    let (_, l) = srv.post(&srv.reviewer, &format!("/api/v1/applications/{id}/grant"), json!({})).await;
    let escaped_label = l["id"].as_str().unwrap().to_string();
    srv.post(
        &srv.reviewer,
        &format!("/api/v1/labels/{hostile}/revoke"),
        json!({"ground": "false_application", "statement": "a < b"}),
    )
    .await;

    let (s, feed, headers) = page(&srv, "/feed.atom").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/atom+xml; charset=utf-8");
    assert!(feed.starts_with("<?xml"));
    assert_eq!(feed.matches("<entry>").count(), 3);
    assert!(feed.find(&format!("{hostile} revoked")) < feed.find(&format!("{escaped_label} granted")), "newest first");
    assert!(
        !feed.contains("<script>") && !feed.contains("a < b") && !feed.contains("& co"),
        "unescaped text in the feed: {feed}"
    );
    assert!(feed.contains(&format!("<link href=\"{}/labels/{escaped_label}\"/>", srv.base)));

    let (s, ja, _) = page(&srv, "/open-data").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ja.contains("オープンデータ") && ja.contains("/open-data/labels.csv") && ja.contains("/feed.atom"));
    let (_, en, _) = page(&srv, "/open-data?lang=en").await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("Open data"));
}

/// Statistics: charts with the numbers in tables too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn statistics_page() {
    let srv = start(sqlite().await).await;
    let a = grant_variant(&srv, "\"ST-1\"", "").await;
    grant_variant(&srv, "\"ST-2\"", "").await;
    srv.post(
        &srv.reviewer,
        &format!("/api/v1/labels/{a}/revoke"),
        json!({"ground": "false_application", "statement": "x"}),
    )
    .await;
    let (s, ja, _) = page(&srv, "/statistics").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ja.contains("<td>STAR-1</td><td>1</td><td>0</td><td>1</td>"), "{ja}");
    assert!(ja.contains("（なし：★1）</td><td>2</td>"));
    assert!(ja.contains("<td>2026-11</td><td>2</td>"));
    assert_eq!(ja.matches("<svg role=\"img\"").count(), 2);
    let (_, en, _) = page(&srv, "/statistics?lang=en").await;
    assert!(en.contains("Labels by level and status") && en.contains("<html lang=\"en\">"));
}

/// Public pages carry validators and freshness a CDN can use, answer
/// `If-None-Match` with 304, are compressed on request, and the site sends
/// HSTS only when its public address is HTTPS.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn caching_compression_and_hsts() {
    let srv = start(sqlite().await).await;
    let lid = srv.granted().await;
    let path = format!("/labels/{lid}");
    let (s, body, h) = page(&srv, &path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["cache-control"], "public, max-age=60");
    let etag = h["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with("W/\"") && etag.len() == 36, "{etag}");

    // Revalidation: the same tag gets 304 with no body; another gets the page.
    let r = srv.client.get(srv.url(&path)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers()["etag"], etag.as_str());
    assert_eq!(r.headers()["cache-control"], "public, max-age=60");
    assert!(r.bytes().await.unwrap().is_empty());
    let r = srv.client.get(srv.url(&path)).header("if-none-match", "W/\"0000\"").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), body);

    // A status change changes the page, so the old tag no longer matches.
    srv.post(
        &srv.reviewer,
        &format!("/api/v1/labels/{lid}/revoke"),
        json!({"ground": "false_application", "statement": "x"}),
    )
    .await;
    let r = srv.client.get(srv.url(&path)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_ne!(r.headers()["etag"], etag.as_str());

    // Images depend only on the label ID and may be kept for a day.
    let (_, _, qh) = page(&srv, &format!("{path}/qr.svg")).await;
    assert_eq!(qh["cache-control"], "public, max-age=86400");
    // Errors are not cached.
    let (s, _, nh) = page(&srv, "/labels/STAR1-2026-999999Z").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(nh["cache-control"], "no-store");

    // Compression on request, none without.
    let r = srv.client.get(srv.url(&path)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let gz = r.bytes().await.unwrap();
    assert!(gz.len() < body.len() / 2, "gzip {} of {}", gz.len(), body.len());
    let r = srv.client.get(srv.url(&path)).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    let (_, _, plain) = page(&srv, &path).await;
    assert!(!plain.contains_key("content-encoding"));

    // Behind TLS (an https public address), HSTS is sent.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let registry = Registry::new(srv.store.clone(), Arc::new(CatalogSet::embedded().unwrap()), srv.clock.clone())
        .with_log_key(test_log_key());
    let state = AppState::new(Arc::new(registry), "https://star.example".into());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(starmark_server::serve(listener, state, async move {
        let _ = rx.await;
    }));
    let r = srv.client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    drop(tx);
}

/// Where tests leave files for people to look at (screenshots, artwork):
/// `target/artifacts` in the checkout, kept by CI.
fn artifacts() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Decodes the QR code in a PNG file with zbarimg.
fn zbar(png: &std::path::Path) -> String {
    let out = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(png)
        .output()
        .unwrap_or_else(|e| panic!("zbarimg is required (Debian zbar-tools; `cargo xtask test` installs it): {e}"));
    assert!(out.status.success(), "zbarimg could not decode {}", png.display());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Renders SVG to PNG with librsvg (Debian librsvg2-bin), a renderer
/// independent of the one the server uses.
fn rsvg(svg: &[u8], png: &std::path::Path) {
    let src = png.with_extension("svg");
    std::fs::write(&src, svg).unwrap();
    let out = std::process::Command::new("rsvg-convert")
        .args(["--dpi-x", "600", "--dpi-y", "600", "--background-color", "white", "-o"])
        .arg(png)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| {
            panic!("rsvg-convert is required (Debian librsvg2-bin; `cargo xtask test` installs it): {e}")
        });
    assert!(out.status.success(), "rsvg-convert failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Every QR code the site makes (qr.svg, qr.png, and the label artwork at
/// every size, SVG and PNG) decodes to exactly the canonical page URL, which
/// comes from the configured public address, not from the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_qr_code_and_label_artwork_decodes_to_the_page_url() {
    let srv = start(sqlite().await).await;
    let lid = srv.granted().await;
    let want = format!("{}/labels/{lid}", srv.base);
    let dir = tempfile::tempdir().unwrap();
    let get = async |path: &str, ct: &str| {
        let r = srv.client.get(srv.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()["content-type"], ct, "{path}");
        r.bytes().await.unwrap()
    };

    let f = dir.path().join("qr.png");
    std::fs::write(&f, get(&format!("/labels/{lid}/qr.png"), "image/png").await).unwrap();
    assert_eq!(zbar(&f), want, "qr.png");
    let f = dir.path().join("qr-svg.png");
    rsvg(&get(&format!("/labels/{lid}/qr.svg"), "image/svg+xml").await, &f);
    assert_eq!(zbar(&f), want, "qr.svg");

    for (size, mm) in [("small", "20mm"), ("medium", "30mm"), ("large", "45mm")] {
        let svg = get(&format!("/labels/{lid}/label.svg?size={size}"), "image/svg+xml").await;
        let text = std::str::from_utf8(&svg).unwrap();
        assert!(text.contains(&format!("width=\"{mm}\"")), "{size}: {text}");
        assert!(text.contains(&format!("<title id=\"title\">STAR-1 {lid}</title>")), "the artwork says what it is");
        assert!(!text.contains("<text"), "text is outlined for print");
        let f = artifacts().join(format!("label-{size}-svg.png"));
        rsvg(&svg, &f);
        assert_eq!(zbar(&f), want, "label.svg?size={size}");

        let png = get(&format!("/labels/{lid}/label.png?size={size}"), "image/png").await;
        let f = artifacts().join(format!("label-{size}.png"));
        std::fs::write(&f, &png).unwrap();
        assert_eq!(zbar(&f), want, "label.png?size={size}");
    }
    // Medium is the default.
    assert_eq!(
        get(&format!("/labels/{lid}/label.svg"), "image/svg+xml").await,
        get(&format!("/labels/{lid}/label.svg?size=medium"), "image/svg+xml").await
    );

    // Bad sizes and unknown or mistyped labels are refused clearly.
    let r = srv.client.get(srv.url(&format!("/labels/{lid}/label.png?size=huge"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let p: Value = r.json().await.unwrap();
    assert!(p["problems"][0]["message"].as_str().unwrap().contains("small (20 mm wide)"), "{p}");
    let r = srv.client.get(srv.url("/labels/STAR1-2026-999999Z/label.svg")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let long = "A".repeat(10_000);
    let r = srv.client.get(srv.url(&format!("/labels/{long}/label.png"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Runs the browser harness (`tests/browser/check.mjs`, Playwright driving
/// Debian's chromium) on `pages`; returns its report.
fn browser_report(pages: &[(&str, String)]) -> Vec<Value> {
    let harness = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        harness.join("node_modules/playwright-core").exists() && harness.join("node_modules/axe-core").exists(),
        "the browser harness is not installed: run `cargo xtask test` (it runs `npm ci` in {})",
        harness.display()
    );
    let shots = artifacts().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let spec = json!({
        "screenshots": shots,
        "pages": pages.iter().map(|(name, url)| json!({"name": name, "url": url})).collect::<Vec<_>>(),
    });
    let dir = tempfile::tempdir().unwrap();
    let spec_file = dir.path().join("spec.json");
    std::fs::write(&spec_file, spec.to_string()).unwrap();
    let out = std::process::Command::new("node")
        .arg(harness.join("check.mjs"))
        .arg(&spec_file)
        .output()
        .unwrap_or_else(|e| panic!("Node.js is required for the browser tests: {e}"));
    assert!(out.status.success(), "the browser harness failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Hostile vendor data, in a real browser: markup, attribute-breaking
/// quotes, `javascript:` URLs, bidirectional overrides and 10,000-character
/// strings stay inert text, with the page's security policy switched off
/// (escaping alone holds) and on (nothing is blocked that the page needs);
/// the layout holds at phone width; axe-core finds no serious or critical
/// accessibility violation on any public page. Screenshots of every page go
/// to `target/artifacts/screenshots`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_data_is_inert_and_pages_are_accessible_in_chromium() {
    let srv = start(sqlite().await).await;
    // Through the checklist: markup and quotes in names, a 10,000-character
    // overview without a single space.
    let payload = r#"<script>window.__pwned=1</script>"'><img src=x onerror="window.__pwned=1"><svg onload=alert(1)>"#;
    let toml_payload = payload.replace('"', "\\\"");
    let hostile = EXAMPLE_CHECKLIST
        .replacen("en = \"Home Camera HC-200\"", &format!("en = \"Camera {toml_payload}\""), 1)
        .replacen("ja = \"ホームカメラ HC-200\"", &format!("ja = \"カメラ {toml_payload}\""), 1)
        .replacen("\"HC-200W\"", &format!("\"HC-{toml_payload}\""), 1)
        .replacen(
            "en = \"An indoor home network camera whose video is viewed from a smartphone app.\"",
            &format!("en = \"{}\"", "W".repeat(10_000)),
            1,
        )
        .replacen(
            "inquiry_contact = \"https://www.example.com/support\"",
            "inquiry_contact = \"javascript:window.__pwned=1\"",
            1,
        );
    let id = srv.cleared_with(&hostile).await;
    let (s, label) = srv.post(&srv.reviewer, &format!("/api/v1/applications/{id}/grant"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{label}");
    let lid = label["id"].as_str().unwrap().to_string();
    // Through the security information: markup and a long unbroken string;
    // bidirectional overrides are refused there, as in checklists.
    let put = |body: Value| {
        srv.client
            .put(srv.url(&format!("/api/v1/labels/{lid}/security-info")))
            .bearer_auth(&srv.vendor)
            .json(&body)
            .send()
    };
    let r =
        put(json!({"vulnerabilities": {"en": "fixed \u{202E}lanigiro"}, "vulnerability_contact": "x", "other": {}}))
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = put(json!({
        "vulnerabilities": {"ja": format!("{payload}{}", "脆".repeat(10_000 - payload.chars().count())), "en": payload},
        "vulnerability_contact": "javascript:window.__pwned=1",
        "other": {"en": payload},
    }))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    // Through the address bar: a search for markup with an RTL override.
    let q = starmark_api::percent_encode(&format!("\u{202E}{payload}{}", "Q".repeat(3000)));
    let pages = vec![
        ("product-ja", srv.url(&format!("/labels/{lid}"))),
        ("product-en", srv.url(&format!("/labels/{lid}?lang=en"))),
        ("search-hostile", srv.url(&format!("/?q={q}"))),
        ("search-results", srv.url("/?q=HC&lang=en")),
        ("home", srv.url("/")),
        ("procurement", srv.url("/procurement")),
        ("statistics", srv.url("/statistics?lang=en")),
        ("open-data", srv.url("/open-data")),
    ];
    let report = tokio::task::spawn_blocking(move || browser_report(&pages)).await.unwrap();
    assert_eq!(report.len(), 8);
    for p in &report {
        let name = p["name"].as_str().unwrap();
        assert_eq!(p["status"], 200, "{name}");
        for load in ["served", "bare"] {
            let f = &p[load];
            assert_eq!(f["scripts"], 0, "{name} ({load}): a <script> element reached the DOM");
            assert_eq!(f["eventHandlerAttributes"], json!([]), "{name} ({load})");
            assert_eq!(f["javascriptUrls"], json!([]), "{name} ({load})");
            assert!(
                f["overflowX"].as_f64().unwrap() <= 1.0,
                "{name} ({load}): the page scrolls sideways: {}",
                f["overflowX"]
            );
            assert_eq!(f["isolatedVendorText"], true, "{name}: vendor text is not bidi-isolated");
            for img in f["images"].as_array().unwrap() {
                assert_eq!(img["ok"], true, "{name}: image {} did not load", img["src"]);
            }
        }
        assert_eq!(p["pwned"], false, "{name}: hostile data ran as script");
        assert_eq!(p["dialogs"], json!([]), "{name}: hostile data opened a dialog");
        assert_eq!(p["consoleErrors"], json!([]), "{name}: the browser reported errors (CSP violations show here)");
        let bad: Vec<&Value> = p["axe"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(bad.is_empty(), "{name}: axe-core found serious/critical violations: {bad:#?}");
        let shot = std::fs::metadata(p["screenshot"].as_str().unwrap()).unwrap();
        assert!(shot.len() > 5_000, "{name}: screenshot is {} bytes", shot.len());
    }
    // The rendered DOM says what it should.
    let ja = &report[0]["served"];
    assert_eq!(ja["lang"], "ja");
    assert!(ja["h1"].as_str().unwrap().starts_with("カメラ <script>window.__pwned=1</script>"), "{}", ja["h1"]);
    assert!(ja["status"].as_str().unwrap().contains("有効"), "{}", ja["status"]);
    assert!(ja["h1Width"].as_f64().unwrap() <= 390.0);
    let en = &report[1]["served"];
    assert_eq!(en["lang"], "en");
    assert!(en["text"].as_str().unwrap().contains("javascript:window.__pwned=1"), "the contact is shown as text");
    assert!(en["text"].as_str().unwrap().contains(&"W".repeat(100)));
    let search = &report[2]["served"];
    assert!(
        search["inputs"][0].as_str().unwrap().contains("<svg onload=alert(1)>"),
        "the query is echoed back in the search box, as text: {}",
        search["inputs"]
    );
}

/// The transparency log over HTTP, on both databases: checkpoints, proofs,
/// entries, tiles and the key history agree with each other and verify
/// against the registry's key; bad requests get problem documents.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn transparency_log_over_http() {
    for backend in [sqlite().await, postgres().await] {
        transparency_log_on(start(backend).await).await;
    }
}

async fn transparency_log_on(srv: Server) {
    use base64::Engine;
    use starmark_tlog::checkpoint::Checkpoint;
    use starmark_tlog::merkle::{leaf_hash, verify_consistency, verify_inclusion};
    use starmark_tlog::note::Verifier;
    let b64 = |s: &Value| -> Vec<[u8; 32]> {
        s.as_array()
            .unwrap()
            .iter()
            .map(|h| base64::engine::general_purpose::STANDARD.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
            .collect()
    };
    let key = Verifier::parse(&test_log_key().verifier_key()).unwrap();
    let origin = "registry.test.example/log";
    let text = async |path: &str| {
        let r = srv.client.get(srv.url(path)).send().await.unwrap();
        (r.status(), r.headers().clone(), r.bytes().await.unwrap().to_vec())
    };

    // An empty log has a checkpoint of size 0.
    let (st, h, body) = text("/log/checkpoint").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-type"], "text/plain; charset=utf-8");
    let cp0 = Checkpoint::open(std::str::from_utf8(&body).unwrap(), origin, &key).unwrap();
    assert_eq!(cp0.size, 0);

    let a = srv.granted().await;
    let b = srv.granted().await;
    let (s, _) = srv
        .post(
            &srv.reviewer,
            &format!("/api/v1/labels/{a}/revoke"),
            json!({"ground": "false_application", "statement": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, _, body) = text("/log/checkpoint").await;
    let note = String::from_utf8(body).unwrap();
    let cp = Checkpoint::open(&note, origin, &key).unwrap();
    assert_eq!(cp.size, 3);

    // Entries, and an inclusion proof for each against the checkpoint.
    let mut hashes = Vec::new();
    for i in 0..3u64 {
        let (s, e) = srv.get(None, &format!("/api/v1/log/entries/{i}")).await;
        assert_eq!(s, StatusCode::OK);
        let leaf = e["leaf"].as_str().unwrap();
        let st = starmark_tlog::statement::open(leaf.as_bytes(), std::slice::from_ref(&key)).unwrap();
        assert_eq!(st["label"], e["label"]);
        hashes.push(leaf_hash(leaf.as_bytes()));
        let (s, p) = srv.get(None, &format!("/api/v1/log/proof/inclusion?index={i}")).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        assert_eq!(p["size"], 3);
        verify_inclusion(i, 3, &hashes[i as usize], &b64(&p["hashes"]), &cp.root).unwrap();
    }
    let (_, e2) = srv.get(None, "/api/v1/log/entries/2").await;
    assert_eq!(e2["label"], a.as_str());
    assert!(e2["leaf"].as_str().unwrap().contains("label_revoked"));

    // Consistency from the empty tree and from size 1.
    let (_, c) = srv.get(None, "/api/v1/log/proof/consistency?old=1&new=3").await;
    let root1 = starmark_tlog::merkle::leaf_hash(
        srv.get(None, "/api/v1/log/entries/0").await.1["leaf"].as_str().unwrap().as_bytes(),
    );
    verify_consistency(1, 3, &root1, &cp.root, &b64(&c["hashes"])).unwrap();
    let (s, c0) = srv.get(None, "/api/v1/log/proof/consistency?old=0").await;
    assert_eq!((s, c0["new"].as_u64()), (StatusCode::OK, Some(3)));

    // Tiles: the level-0 partial tile holds the three leaf hashes; the entry
    // bundle the three leaves, each behind its big-endian length.
    let (s, h, tile) = text("/log/tile/0/000.p/3").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(tile, hashes.concat());
    let (_, _, bundle) = text("/log/tile/entries/000.p/3").await;
    let mut rest = &bundle[..];
    let mut n = 0;
    while let [hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo]));
        assert_eq!(leaf_hash(&tail[..len]), hashes[n]);
        rest = &tail[len..];
        n += 1;
    }
    assert_eq!(n, 3);
    for missing in [
        "/log/tile/0/000.p/4",
        "/log/tile/0/000",
        "/log/tile/1/000.p/1",
        "/log/tile/entries/000.p/4",
        "/log/tile/0/x001/000",
        "/log/tile/0/abc",
        "/log/tile/99/000",
        "/log/tile/",
        "/log/tile/+0/000.p/3",
        "/log/tile/0/000.p/+3",
        "/log/tile/entries/x999/x999/x999/x999/x999/x999/999",
        "/log/tile/0/x999/x999/x999/x999/x999/x999/999",
    ] {
        let (s, h, _) = text(missing).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(h["content-type"], "application/problem+json", "{missing}");
    }

    // The label bundle: the latest statement, proved against a checkpoint.
    let r = srv.client.get(srv.url(&format!("/api/v1/labels/{a}/bundle"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(&format!("{a}.starmark-bundle.json")));
    let bundle: starmark_api::LabelBundle = r.json().await.unwrap();
    assert_eq!(bundle.entry.index, 2);
    assert_eq!(bundle.history, vec![0, 2]);
    let bcp = Checkpoint::open(&bundle.checkpoint, origin, &key).unwrap();
    let proof = b64(&serde_json::to_value(&bundle.inclusion.hashes).unwrap());
    verify_inclusion(2, bcp.size, &leaf_hash(bundle.entry.leaf.as_bytes()), &proof, &bcp.root).unwrap();
    let (s, _) = srv.get(None, &format!("/api/v1/labels/{b}/bundle")).await;
    assert_eq!(s, StatusCode::OK);

    // The key history: signed by the key, listing it.
    let (_, _, keys) = text("/.well-known/starmark-log-keys").await;
    let keys = String::from_utf8(keys).unwrap();
    let text_ = starmark_tlog::note::open(&keys, std::slice::from_ref(&key)).unwrap();
    assert!(text_.contains(&test_log_key().verifier_key()));
    let (_, k) = srv.get(None, "/api/v1/log/keys").await;
    assert_eq!(k["current"], test_log_key().verifier_key());
    assert_eq!(k["keys"][0]["key_id"], format!("{:08x}", key.id));

    // The status list: signed by the log key, a's bit set, b's not; the
    // bundle carries the same list.
    let (s, h, body) = text("/status/list.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "application/vc");
    let list: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(list["id"], format!("{}/status/list.json", srv.base));
    let verified = starmark_tlog::status_list::verify(&list, &key.key).unwrap();
    let mut indexes = std::collections::HashMap::new();
    for i in 0..3u64 {
        let (_, e) = srv.get(None, &format!("/api/v1/log/entries/{i}")).await;
        let st =
            starmark_tlog::statement::open(e["leaf"].as_str().unwrap().as_bytes(), std::slice::from_ref(&key)).unwrap();
        indexes.insert(e["label"].as_str().unwrap().to_string(), st["status_list_index"].as_u64().unwrap());
    }
    assert_eq!(verified.list.get(indexes[&a]), Some(true), "a is revoked");
    assert_eq!(verified.list.get(indexes[&b]), Some(false), "b is not");
    assert_eq!(verified.list.len_bits(), starmark_tlog::status_list::MIN_BITS as u64);
    assert_eq!(bundle.status_list.as_ref().unwrap()["credentialSubject"], list["credentialSubject"]);

    // The product page shows the verification details and links the bundle.
    let key_name = format!("{origin}+{:08x}", key.id);
    for (lang, heading) in [("", "検証情報"), ("?lang=en", "Verification details")] {
        let (s, _, html) = text(&format!("/labels/{a}{lang}")).await;
        assert_eq!(s, StatusCode::OK);
        let html = String::from_utf8(html).unwrap();
        let section = &html[html.find("id=\"verification\"").expect("a verification section")..];
        assert!(section.contains(heading), "{section}");
        assert!(section.contains(&key_name), "{section}");
        assert!(section.contains("<dd>2</dd>") && section.contains("<dd>3</dd>"), "log index 2 of 3: {section}");
        assert!(section.contains(&format!("href=\"/api/v1/labels/{a}/bundle\" download")), "{section}");
        assert!(section.contains(&format!("starmark verify {a} --bundle {a}.starmark-bundle.json")), "{section}");
    }

    // Bad requests: each a problem document naming what is wrong.
    for (path, status, pointer) in [
        ("/api/v1/log/entries/3", StatusCode::NOT_FOUND, None),
        ("/api/v1/log/entries/-1", StatusCode::NOT_FOUND, None),
        ("/api/v1/log/entries/99999999999999999999999", StatusCode::NOT_FOUND, None),
        ("/api/v1/log/entries/%00", StatusCode::BAD_REQUEST, None),
        ("/api/v1/log/proof/inclusion", StatusCode::BAD_REQUEST, Some("/index")),
        ("/api/v1/log/proof/inclusion?index=x", StatusCode::BAD_REQUEST, Some("/index")),
        ("/api/v1/log/proof/inclusion?index=3", StatusCode::BAD_REQUEST, None),
        ("/api/v1/log/proof/inclusion?index=0&size=4", StatusCode::BAD_REQUEST, None),
        ("/api/v1/log/proof/inclusion?index=0&size=18446744073709551615", StatusCode::BAD_REQUEST, None),
        ("/api/v1/log/proof/consistency?old=3&new=1", StatusCode::BAD_REQUEST, None),
        ("/api/v1/log/proof/consistency?old=1&new=99", StatusCode::BAD_REQUEST, None),
        ("/api/v1/log/proof/consistency?new=1", StatusCode::BAD_REQUEST, Some("/old")),
        ("/api/v1/labels/STAR1-2026-999999X/bundle", StatusCode::NOT_FOUND, None),
        ("/api/v1/labels/not-a-label/bundle", StatusCode::NOT_FOUND, None),
    ] {
        let (s, v) = srv.get(None, path).await;
        assert_eq!(s, status, "{path}: {v}");
        assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{path}: {v}");
        if let Some(p) = pointer {
            assert_eq!(v["problems"][0]["pointer"], p, "{path}: {v}");
        }
    }
}
