//! The storage test story: the same scenarios, run by every [`Store`]
//! implementation's own tests against a fresh, empty store. Each function
//! panics with a message on the first failed expectation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

use std::sync::Arc;

use jiff::civil::date;
use starmark_checklist::Encoding;
use starmark_criteria::{CatalogSet, Level};

use crate::auth::{Actor, OrgKind, Organization, Role, TokenRecord};
use crate::clock::ManualClock;
use crate::error::ErrorKind;
use crate::event::{EventKind, NewEvent, Subject};
use crate::label_id::LabelId;
use crate::model::{AppStatus, InquiryOutcome, LabelStatus, SecurityInfo, replay};
use crate::service::{Principal, Registry};
use crate::store::{Commit, LabelQuery, Store, StoreError, Write};

/// The filled example checklist of the repository (passes the format check).
pub const EXAMPLE_CHECKLIST: &str = include_str!("../../../examples/star-1-home-camera/checklist.toml");

/// Everything a scenario needs: a registry on the store under test, a
/// controlled clock, and principals for each role.
#[derive(Debug)]
pub struct World {
    pub registry: Registry,
    pub clock: Arc<ManualClock>,
    pub vendor: Principal,
    pub other_vendor: Principal,
    pub reviewer: Principal,
    pub liaison: Principal,
    pub admin: Principal,
    pub lab: Principal,
}

/// The log key of the tests: fixed, so leaves are reproducible.
pub fn test_log_key() -> starmark_tlog::note::Signer {
    let key = starmark_tlog::note::SigningKey::from_bytes(&[42; 32]);
    starmark_tlog::note::Signer::new("registry.test.example/log", key).unwrap()
}

impl World {
    pub async fn new(store: Arc<dyn Store>) -> World {
        World::with_catalogs(store, CatalogSet::embedded().unwrap()).await
    }

    pub async fn with_catalogs(store: Arc<dyn Store>, catalogs: CatalogSet) -> World {
        let clock = Arc::new(ManualClock::at_date(date(2026, 11, 27)));
        let registry = Registry::new(store, Arc::new(catalogs), clock.clone()).with_log_key(test_log_key());
        let vendor_org = registry.add_org(OrgKind::Vendor, "Example Corp.", None).await.unwrap();
        let other_org = registry.add_org(OrgKind::Vendor, "Other Corp.", None).await.unwrap();
        let owner = registry.add_org(OrgKind::SchemeOwner, "Scheme owner", None).await.unwrap();
        let lab_org = registry.add_org(OrgKind::TestLab, "Lab", Some("ISO/IEC 17025 No. 1".into())).await.unwrap();
        let principal = async |org: &Organization, role: Role| {
            let secret = registry.issue_token(&org.id, role, "test").await.unwrap();
            registry.authenticate(secret.expose()).await.unwrap()
        };
        World {
            vendor: principal(&vendor_org, Role::Vendor).await,
            other_vendor: principal(&other_org, Role::Vendor).await,
            reviewer: principal(&owner, Role::Reviewer).await,
            liaison: principal(&owner, Role::Liaison).await,
            admin: principal(&owner, Role::Admin).await,
            lab: principal(&lab_org, Role::Lab).await,
            registry,
            clock,
        }
    }

    /// Submits the example and takes it through a cleared inquiry.
    pub async fn cleared_application(&self, checklist: &str) -> String {
        let app = self.registry.submit(&self.vendor, checklist.as_bytes(), Some(Encoding::Toml)).await.unwrap();
        assert_eq!(app.status, AppStatus::AwaitingInquiry, "{:#?}", app.problems);
        self.registry.record_inquiry(&self.liaison, &app.id, InquiryOutcome::Cleared, "no concern").await.unwrap();
        app.id
    }
}

/// The procurement check finds a model number exactly, however many
/// labels' texts contain it (more than a page of them), ignoring case.
pub async fn procurement_finds_exact_models(store: Arc<dyn Store>) {
    let w = World::new(store).await;
    let r = &w.registry;
    let with_models = |models: &str| {
        EXAMPLE_CHECKLIST.replacen(
            "model_numbers = [\"HC-200\", \"HC-200W\"]",
            &format!("model_numbers = [{models}]"),
            1,
        )
    };
    // 205 labels whose model numbers contain "PX-1" without being it.
    for i in 0..205 {
        let id = w.cleared_application(&with_models(&format!("\"PX-1{i}\""))).await;
        r.grant(&w.reviewer, &id).await.unwrap();
    }
    // A product named "PX-1" whose models differ: a name is not a model.
    let named = with_models("\"QQ-1\"").replacen("en = \"Home Camera HC-200\"", "en = \"PX-1\"", 1);
    let id = w.cleared_application(&named).await;
    r.grant(&w.reviewer, &id).await.unwrap();
    // The one label with the model, granted last.
    let id = w.cleared_application(&with_models("\"PX-1\", \"px-1a\"")).await;
    let meant = r.grant(&w.reviewer, &id).await.unwrap();
    let lines = [
        (1, "PX-1".to_string()),
        (2, "px-1".into()),
        (3, "PX-1A".into()),
        (4, "PX-17".into()),
        (5, "PX".into()),
        (6, "\u{1}\u{2}".into()),
        (7, "ＰＸ－１".into()),
        (8, "px\u{2010}1".into()),
        (9, "ＰＸーI".into()),
    ];
    let got = r.procurement_check(&lines, Level::Star1).await.unwrap();
    let reasons: Vec<(&str, Option<&str>)> = got.iter().map(|l| (l.reason, l.label.as_deref())).collect();
    let meant = meant.id.to_string();
    assert_eq!(&reasons[..3], [("ok", Some(meant.as_str())); 3], "{got:#?}");
    assert_eq!(reasons[3].0, "ok", "{got:#?}");
    assert_ne!(reasons[3].1, Some(meant.as_str()));
    assert_eq!(reasons[4], ("no-label", None), "a part of a model number is not one");
    assert_eq!(reasons[5], ("no-label", None), "nothing but control characters matches nothing");
    // Typed through a Japanese input method: full-width, or another dash.
    assert_eq!(&reasons[6..8], [("ok", Some(meant.as_str())); 2], "{got:#?}");
    assert_eq!(reasons[8], ("no-label", None), "a letter is no digit");
    let blank = LabelQuery { model: Some("\u{1}".into()), ..query(None) };
    assert_eq!(r.labels(blank).await.unwrap().total, 0, "a blank model number is no filter-less search");
    // Repeated lines are answered alike, each with its own line number;
    // "did you mean" suggestions stop after MAX_SUGGESTED_LINES mistyped IDs.
    let mut typo = meant.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == 'A' { 'B' } else { 'A' });
    let mut lines: Vec<(usize, String)> = (1..=3).map(|n| (n, "PX-1".to_string())).collect();
    lines.extend((4..30).map(|n| (n, typo.clone())));
    let got = r.procurement_check(&lines, Level::Star1).await.unwrap();
    assert!(got[..3].iter().enumerate().all(|(i, l)| l.line == i + 1 && l.reason == "ok"), "{got:#?}");
    let suggested = got[3..].iter().filter(|l| l.detail.contains(&meant)).count();
    assert_eq!(suggested, 26, "a repeated mistyped ID keeps its suggestion: {got:#?}");
    let typos: Vec<(usize, String)> = (0..30u32)
        .map(|n| {
            let id = crate::label_id::LabelId::new(Level::Star1, 2026, 1 + n).to_string();
            let mut t = id.clone();
            let last = t.pop().unwrap();
            t.push(if last == 'A' { 'B' } else { 'A' });
            (n as usize + 1, t)
        })
        .collect();
    let got = r.procurement_check(&typos, Level::Star1).await.unwrap();
    assert!(got.iter().all(|l| l.reason == "mistyped-label-id"), "{got:#?}");
    let suggested: Vec<bool> = got.iter().map(|l| l.detail.contains("did you mean")).collect();
    let cap = crate::procurement::MAX_SUGGESTED_LINES;
    assert!(suggested[..cap].iter().all(|s| *s) && !suggested[cap..].iter().any(|s| *s), "{got:#?}");
}

/// Organizations, tokens, sequences, versions and the log's order.
pub async fn store_basics(store: Arc<dyn Store>) {
    store.health().await.unwrap();
    let org = Organization { id: "org_a".into(), kind: OrgKind::Vendor, name: "A".into(), accreditation: None };
    store.insert_org(&org).await.unwrap();
    assert!(matches!(store.insert_org(&org).await, Err(StoreError::Conflict(_))), "duplicate organization accepted");
    assert_eq!(store.org("org_a").await.unwrap(), Some(org.clone()));
    assert_eq!(store.org("'; DROP TABLE orgs; --").await.unwrap(), None);
    assert_eq!(store.orgs().await.unwrap().len(), 1);
    let t = TokenRecord { hash: "ab".repeat(32), org: "org_a".into(), role: Role::Vendor, label: "ci".into() };
    store.insert_token(&t).await.unwrap();
    assert_eq!(store.token(&t.hash).await.unwrap(), Some(t.clone()));
    assert!(
        store
            .insert_token(&TokenRecord { org: "org_missing".into(), hash: "cd".repeat(32), ..t.clone() })
            .await
            .is_err(),
        "token of an unknown organization accepted"
    );

    // Sequences: per level and year, from 1, never reused.
    assert_eq!(store.next_label_seq(Level::Star1, 2026).await.unwrap(), 1);
    assert_eq!(store.next_label_seq(Level::Star1, 2026).await.unwrap(), 2);
    assert_eq!(store.next_label_seq(Level::Star2, 2026).await.unwrap(), 1);
    assert_eq!(store.next_label_seq(Level::Star1, 2027).await.unwrap(), 1);
    assert_eq!(store.next_label_seq(Level::Star1, 2026).await.unwrap(), 3);

    // A commit with a stale version writes nothing at all.
    let w = World::new(store.clone()).await;
    let app = w.registry.submit(&w.vendor, EXAMPLE_CHECKLIST.as_bytes(), Some(Encoding::Toml)).await.unwrap();
    let cur = store.application(&app.id).await.unwrap().unwrap();
    let before = store.events(0, 1000).await.unwrap().len();
    let stale = Commit {
        events: vec![NewEvent {
            at: crate::clock::Clock::now(w.clock.as_ref()),
            actor: Actor::system(),
            subject: Subject::Application(app.id.clone()),
            reason: None,
            kind: EventKind::ApplicationRefused { reason: "x".into() },
        }],
        applications: vec![Write { state: cur.state.clone(), expected: Some(cur.version + 7) }],
        labels: vec![],
        log: vec![],
    };
    assert!(matches!(store.commit(stale).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.events(0, 1000).await.unwrap().len(), before, "a failed commit left events behind");
    assert_eq!(store.application(&app.id).await.unwrap().unwrap(), cur);

    // The log's order is strictly increasing, and paging follows it.
    let all = store.events(0, 1000).await.unwrap();
    assert!(all.windows(2).all(|p| p[0].seq < p[1].seq));
    let page = store.events(all[0].seq, 1).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].seq, all[1].seq);
    let mine = store.events_of(&Subject::Application(app.id.clone())).await.unwrap();
    assert_eq!(
        mine.iter().map(|e| e.event.kind.name()).collect::<Vec<_>>(),
        ["application_submitted", "format_checked"]
    );
}

/// apply → format check → inquiry → grant → public look-up → change report → revoked.
pub async fn lifecycle(store: Arc<dyn Store>) {
    let w = World::new(store.clone()).await;
    let r = &w.registry;

    // A failing checklist is kept as returned, with every problem.
    let bad = EXAMPLE_CHECKLIST.replacen("verdict = \"conforms\"", "verdict = \"inconclusive\"", 1).replacen(
        "code = \"VN\"",
        "code = \"\"",
        1,
    );
    let returned = r.submit(&w.vendor, bad.as_bytes(), Some(Encoding::Toml)).await.unwrap();
    assert_eq!(returned.status, AppStatus::Returned);
    let codes: Vec<&str> = returned.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["field-missing", "verdict-not-conforming"]);
    assert_eq!(r.application(&w.vendor, &returned.id).await.unwrap().status, AppStatus::Returned);
    assert_eq!(r.grant(&w.reviewer, &returned.id).await.unwrap_err().kind, ErrorKind::Conflict);

    let id = w.cleared_application(EXAMPLE_CHECKLIST).await;
    let label = r.grant(&w.reviewer, &id).await.unwrap();
    assert_eq!(label.id.level, Level::Star1);
    assert_eq!(label.id.year, 2026);
    assert_eq!(label.issued_on, date(2026, 11, 27));
    assert_eq!(label.expires_on, date(2028, 11, 26), "at most two years");
    assert_eq!(r.application(&w.vendor, &id).await.unwrap().label, Some(label.id));

    // Public look-up: only public fields, disclosure choices respected.
    let public = r.label(label.id).await.unwrap();
    assert_eq!(r.status(&public), LabelStatus::Valid);
    assert_eq!(public.public.manufacturer.as_deref(), Some("Example Manufacturing Co., Ltd."));
    assert_eq!(public.public.country_of_manufacture, None, "the vendor chose not to disclose the country");
    let found = r.labels(query(Some("hc-200w"))).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, label.id);
    assert_eq!(r.labels(query(Some(&label.id.to_string().to_lowercase()))).await.unwrap().total, 1);
    for hostile in ["%", "_", "\\", "' OR 1=1 --", "\u{0}", "ホーム"] {
        let n = r.labels(query(Some(hostile))).await.unwrap().total;
        assert!(n <= 1, "{hostile:?} matched {n}");
    }
    assert_eq!(r.labels(query(Some("%"))).await.unwrap().total, 0, "% is a literal");

    // Security information is the vendor's, and every update is an event.
    let info = SecurityInfo { vulnerability_contact: "security@example.com".into(), ..SecurityInfo::default() };
    r.update_security_info(&w.vendor, label.id, info.clone()).await.unwrap();
    assert_eq!(
        r.update_security_info(&w.other_vendor, label.id, info.clone()).await.unwrap_err().kind,
        ErrorKind::Forbidden
    );

    // A reported change revokes the label.
    w.clock.advance_days(30);
    // With the digest of the changed product's evidence: a malformed one
    // is refused naming the field, and nothing changes.
    for bad in ["", "ABCDEF", &"A".repeat(64), &"g".repeat(64), &"a".repeat(65)] {
        let e = r.report_change(&w.vendor, label.id, "x", Some(bad)).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid, "{bad}");
        assert_eq!(e.problems[0].pointer, "/evidence_manifest_sha256");
    }
    assert!(r.label(label.id).await.unwrap().revoked.is_none());
    let digest = "0123456789abcdef".repeat(4);
    let revoked = r.report_change(&w.vendor, label.id, "new firmware changes the login", Some(&digest)).await.unwrap();
    assert_eq!(r.status(&revoked), LabelStatus::Revoked);
    let reported =
        r.label_events(label.id).await.unwrap().into_iter().rev().find(|e| e.event.kind.name() == "change_reported");
    assert!(
        matches!(&reported.unwrap().event.kind, EventKind::ChangeReported { evidence_manifest_sha256: Some(d), .. } if *d == digest)
    );
    assert_eq!(revoked.revoked.as_ref().unwrap().ground, "specification_changed");
    assert_eq!(r.labels(LabelQuery { status: Some(LabelStatus::Revoked), ..query(None) }).await.unwrap().total, 1);
    assert_eq!(r.revoke(&w.reviewer, label.id, "false_application", "x").await.unwrap_err().kind, ErrorKind::Conflict);

    let events = r.label_events(label.id).await.unwrap();
    let history: Vec<&str> = events.iter().map(|e| e.event.kind.name()).collect();
    let recent = store.recent_label_events(2).await.unwrap();
    assert_eq!(
        recent.iter().map(|e| e.event.kind.name()).collect::<Vec<_>>(),
        ["change_reported", "security_info_updated"],
        "newest first"
    );
    assert_eq!(history, ["label_granted", "security_info_updated", "change_reported"]);

    // The projections are exactly what the log replays to.
    assert_replay_matches(&store).await;
}

fn query(q: Option<&str>) -> LabelQuery {
    LabelQuery {
        q: q.map(String::from),
        model: None,
        level: None,
        status: None,
        category: None,
        vendor: None,
        today: date(2000, 1, 1),
        offset: 0,
        limit: 50,
    }
}

/// A label driven past its expiry with the controlled clock, then renewed.
pub async fn expiry_and_renewal(store: Arc<dyn Store>) {
    let w = World::new(store.clone()).await;
    let r = &w.registry;
    let short = EXAMPLE_CHECKLIST.replacen("[criteria]", "requested_validity_months = 6\n\n[criteria]", 1);
    let id = w.cleared_application(&short).await;
    let label = r.grant(&w.reviewer, &id).await.unwrap();
    assert_eq!(label.expires_on, date(2027, 5, 26));

    w.clock.set_date(date(2027, 5, 26));
    assert_eq!(r.status(&r.label(label.id).await.unwrap()), LabelStatus::Valid, "valid through its last day");
    w.clock.set_date(date(2027, 5, 27));
    assert_eq!(
        r.status(&r.label(label.id).await.unwrap()),
        LabelStatus::Expired,
        "expired the day after, with no event needed"
    );
    assert_eq!(r.labels(LabelQuery { status: Some(LabelStatus::Expired), ..query(None) }).await.unwrap().total, 1);
    assert_eq!(r.labels(LabelQuery { status: Some(LabelStatus::Valid), ..query(None) }).await.unwrap().total, 0);
    let stats = store.label_stats(date(2027, 5, 27)).await.unwrap();
    assert_eq!(stats.by_level, vec![("star-1".to_string(), 0, 1, 0)]);
    assert_eq!(stats.by_category, vec![(String::new(), 1)]);
    assert_eq!(stats.granted_by_month.iter().map(|(_, n)| n).sum::<u64>(), 1);
    assert_eq!(store.label_stats(date(2027, 5, 26)).await.unwrap().by_level, vec![("star-1".to_string(), 1, 0, 0)]);
    assert_eq!(r.record_expiries().await.unwrap(), 1);
    assert_eq!(r.record_expiries().await.unwrap(), 0, "an expiry is recorded once");

    // Renewal: a new self-declaration, evaluated again.
    let renewal = short.replacen("evaluated_on = 2026-10-15", "evaluated_on = 2027-05-20", 1);
    let app = r.renew(&w.vendor, label.id, renewal.as_bytes(), Some(Encoding::Toml)).await.unwrap();
    assert_eq!(app.status, AppStatus::AwaitingInquiry, "{:#?}", app.problems);
    assert_eq!(
        r.renew(&w.other_vendor, label.id, renewal.as_bytes(), Some(Encoding::Toml)).await.unwrap_err().kind,
        ErrorKind::Forbidden
    );
    r.record_inquiry(&w.liaison, &app.id, InquiryOutcome::Cleared, "").await.unwrap();
    let renewed = r.grant(&w.reviewer, &app.id).await.unwrap();
    assert_eq!(renewed.id, label.id, "a renewal keeps the label ID");
    assert_eq!(renewed.renewed_on, Some(date(2027, 5, 27)));
    assert_eq!(renewed.expires_on, date(2027, 11, 26));
    assert_eq!(r.status(&renewed), LabelStatus::Valid);
    assert_replay_matches(&store).await;
}

/// Many concurrent grants of one application give exactly one label.
pub async fn concurrent_grants(store: Arc<dyn Store>) {
    let w = Arc::new(World::new(store.clone()).await);
    let id = w.cleared_application(EXAMPLE_CHECKLIST).await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let w = w.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move { w.registry.grant(&w.reviewer, &id).await }));
    }
    let mut ok = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(l) => ok.push(l.id),
            Err(e) => assert_eq!(e.kind, ErrorKind::Conflict, "{e}"),
        }
    }
    assert_eq!(ok.len(), 1, "granted {} times", ok.len());
    let all = w.registry.labels(query(None)).await.unwrap();
    assert_eq!(all.total, 1);
    assert_eq!(all.items[0].id, ok[0]);
    assert_replay_matches(&store).await;
}

/// Who may do what.
pub async fn authorization(store: Arc<dyn Store>) {
    let w = World::new(store.clone()).await;
    let r = &w.registry;
    let app = r.submit(&w.vendor, EXAMPLE_CHECKLIST.as_bytes(), Some(Encoding::Toml)).await.unwrap();
    // Another vendor's application does not exist for you.
    assert_eq!(r.application(&w.other_vendor, &app.id).await.unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(r.application(&w.lab, &app.id).await.unwrap_err().kind, ErrorKind::NotFound);
    for p in [&w.reviewer, &w.liaison, &w.admin] {
        assert_eq!(r.application(p, &app.id).await.unwrap().id, app.id);
    }
    for p in [&w.reviewer, &w.liaison, &w.admin, &w.lab] {
        let e = r.submit(p, EXAMPLE_CHECKLIST.as_bytes(), Some(Encoding::Toml)).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden);
    }
    for p in [&w.vendor, &w.reviewer, &w.admin, &w.lab] {
        let e = r.record_inquiry(p, &app.id, InquiryOutcome::Cleared, "").await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden);
    }
    r.record_inquiry(&w.liaison, &app.id, InquiryOutcome::Concern, "vendor under review").await.unwrap();
    for p in [&w.vendor, &w.liaison, &w.admin, &w.lab] {
        assert_eq!(r.grant(p, &app.id).await.unwrap_err().kind, ErrorKind::Forbidden);
        assert_eq!(r.refuse(p, &app.id, "no").await.unwrap_err().kind, ErrorKind::Forbidden);
    }
    let refused = r.refuse(&w.reviewer, &app.id, "supply-chain concern").await.unwrap();
    assert_eq!(refused.status, AppStatus::Refused);
    assert_eq!(r.grant(&w.reviewer, &app.id).await.unwrap_err().kind, ErrorKind::Conflict);

    let id = w.cleared_application(EXAMPLE_CHECKLIST).await;
    let label = r.grant(&w.reviewer, &id).await.unwrap();
    assert_eq!(r.report_change(&w.other_vendor, label.id, "x", None).await.unwrap_err().kind, ErrorKind::Forbidden);
    assert_eq!(r.revoke(&w.vendor, label.id, "false_application", "x").await.unwrap_err().kind, ErrorKind::Forbidden);
    assert_eq!(r.revoke(&w.reviewer, label.id, "because", "x").await.unwrap_err().kind, ErrorKind::Invalid);
    assert_eq!(r.revoke(&w.reviewer, label.id, "false_application", " ").await.unwrap_err().kind, ErrorKind::Invalid);
    let l = r.revoke(&w.reviewer, label.id, "false_application", "The application was false.").await.unwrap();
    assert_eq!(r.status(&l), LabelStatus::Revoked);
    assert_eq!(r.authenticate("smk_not-a-token").await.unwrap_err().kind, ErrorKind::Unauthenticated);
    assert_eq!(r.issue_token(&w.vendor.org, Role::Reviewer, "x").await.unwrap_err().kind, ErrorKind::Invalid);
}

/// Unreadable input is refused and nothing is written.
pub async fn bad_input_writes_nothing(store: Arc<dyn Store>) {
    let w = World::new(store.clone()).await;
    let before = store.events(0, 10_000).await.unwrap().len();
    for bytes in [&b"\xff\xfe"[..], b"format = ", b"{\"levle\": 1}", &vec![b' '; 2 * 1024 * 1024][..]] {
        let e = w.registry.submit(&w.vendor, bytes, None).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert_eq!(e.problems.len(), 1);
    }
    assert_eq!(store.events(0, 10_000).await.unwrap().len(), before);
    assert_eq!(w.registry.application(&w.vendor, "app_missing").await.unwrap_err().kind, ErrorKind::NotFound);
    let missing = LabelId::new(Level::Star1, 2026, 999);
    assert_eq!(w.registry.label(missing).await.unwrap_err().kind, ErrorKind::NotFound);
}

async fn assert_replay_matches(store: &Arc<dyn Store>) {
    let events = store.events(0, 100_000).await.unwrap();
    let (apps, labels) = replay(&events).unwrap();
    for a in &apps {
        assert_eq!(
            &store.application(&a.id).await.unwrap().unwrap().state,
            a,
            "application {} differs from its replay",
            a.id
        );
    }
    for l in &labels {
        assert_eq!(&store.label(l.id).await.unwrap().unwrap().state, l, "label {} differs from its replay", l.id);
    }
}

/// Idempotency keys: first use reserves, a finished request replays, a
/// different request under the same key is refused, an aborted one frees it.
pub async fn idempotency(store: Arc<dyn Store>) {
    use crate::store::Idempotency;
    assert_eq!(store.idempotency_begin("org_a POST /x", "k1", "h1").await.unwrap(), Idempotency::New);
    assert_eq!(store.idempotency_begin("org_a POST /x", "k1", "h1").await.unwrap(), Idempotency::InProgress);
    assert_eq!(store.idempotency_begin("org_a POST /x", "k1", "h2").await.unwrap(), Idempotency::Mismatch);
    assert_eq!(
        store.idempotency_begin("org_b POST /x", "k1", "h2").await.unwrap(),
        Idempotency::New,
        "keys are per scope"
    );
    store.idempotency_finish("org_a POST /x", "k1", 201, "{\"ok\":true}").await.unwrap();
    assert_eq!(
        store.idempotency_begin("org_a POST /x", "k1", "h1").await.unwrap(),
        Idempotency::Done { status: 201, body: "{\"ok\":true}".into() }
    );
    store.idempotency_abort("org_b POST /x", "k1").await.unwrap();
    assert_eq!(store.idempotency_begin("org_b POST /x", "k1", "h3").await.unwrap(), Idempotency::New);
    // A finished answer is never aborted away.
    store.idempotency_abort("org_a POST /x", "k1").await.unwrap();
    assert!(matches!(store.idempotency_begin("org_a POST /x", "k1", "h1").await.unwrap(), Idempotency::Done { .. }));
}

/// A STAR-3 criteria catalog for tests only: real STAR-3 criteria are not
/// in the shipped catalog.
pub const TEST_STAR3_CATALOG: &str = r#"
[catalog]
id = "star-3-network-camera-test"
version = "0.1"
state = "current"
level = "star-3"
category = "network-camera"
languages = ["en"]
title = { en = "STAR-3 network camera criteria: TEST FIXTURE, not the real criteria" }
issuer = { en = "starmark tests" }
basis = { en = "test fixture" }
confidence = "unknown"

[[requirements]]
id = "T3-01"
title = { en = "A test requirement" }
"#;

/// The shipped catalog plus [`TEST_STAR3_CATALOG`].
pub fn catalogs_with_star3() -> CatalogSet {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let mut files = starmark_criteria::read_dir_files(&root).unwrap();
    files.push(("catalogs/star-3-test.toml".into(), TEST_STAR3_CATALOG.as_bytes().to_vec()));
    CatalogSet::from_files("test", files).unwrap()
}

/// The example turned into a STAR-3 application form naming `accreditation`'s laboratory.
pub fn star3_application(accreditation: &str) -> String {
    let head = EXAMPLE_CHECKLIST.split("\n[[items]]").next().unwrap();
    let head = head.replacen("level = \"star-1\"", "level = \"star-3\"\ncategory = \"network-camera\"", 1).replacen(
        "catalog = \"star-1\"\nversion = \"1.1\"",
        "catalog = \"star-3-network-camera-test\"\nversion = \"0.1\"",
        1,
    );
    let evaluator_at = head.find("[evaluator]").unwrap();
    format!(
        "{}[evaluator]\ncategory = \"independent_test_laboratory\"\nname = \"Lab\"\naccreditation = \"{accreditation}\"\nevaluated_on = 2026-11-20\n",
        &head[..evaluator_at]
    )
}

/// STAR-3: the designated accredited laboratory attaches its report, the
/// owner certifies.
pub async fn third_party_certification(store: Arc<dyn Store>) {
    use starmark_checklist::Localized;
    use starmark_criteria::VersionRef;
    let w = World::with_catalogs(store.clone(), catalogs_with_star3()).await;
    let r = &w.registry;
    let form = star3_application("ISO/IEC 17025 No. 1");
    let app = r.submit(&w.vendor, form.as_bytes(), Some(Encoding::Toml)).await.unwrap();
    assert_eq!(app.status, AppStatus::AwaitingReport, "{:#?}", app.problems);
    assert!(app.third_party);
    // No inquiry before the report.
    assert_eq!(
        r.record_inquiry(&w.liaison, &app.id, InquiryOutcome::Cleared, "").await.unwrap_err().kind,
        ErrorKind::Conflict
    );

    let criteria = VersionRef { catalog: "star-3-network-camera-test".into(), version: "0.1".into() };
    let sha = "ab".repeat(32);
    let attach = |p: Principal, criteria: VersionRef, conforms: bool| {
        let sha = sha.clone();
        let id = app.id.clone();
        async move {
            let sub = crate::ReportSubmission {
                report_id: "LAB-2026-0042".into(),
                issued_on: date(2026, 11, 20),
                criteria,
                conforms,
                sha256: sha,
                summary: Localized { ja: None, en: Some("All criteria met.".into()) },
            };
            r.attach_report(&p, &id, sub).await
        }
    };
    // Only the designated, accredited laboratory.
    assert_eq!(attach(w.vendor.clone(), criteria.clone(), true).await.unwrap_err().kind, ErrorKind::Forbidden);
    let other_lab_org = r.add_org(OrgKind::TestLab, "Other Lab", Some("ISO/IEC 17025 No. 2".into())).await.unwrap();
    let other_lab =
        r.authenticate(r.issue_token(&other_lab_org.id, Role::Lab, "t").await.unwrap().expose()).await.unwrap();
    assert_eq!(attach(other_lab, criteria.clone(), true).await.unwrap_err().kind, ErrorKind::NotFound);
    let unaccredited_org = r.add_org(OrgKind::TestLab, "Unaccredited", None).await.unwrap();
    let unaccredited =
        r.authenticate(r.issue_token(&unaccredited_org.id, Role::Lab, "t").await.unwrap().expose()).await.unwrap();
    assert_eq!(attach(unaccredited, criteria.clone(), true).await.unwrap_err().kind, ErrorKind::Forbidden);
    // The report must conclude conformity against this level's criteria.
    assert_eq!(attach(w.lab.clone(), criteria.clone(), false).await.unwrap_err().kind, ErrorKind::Invalid);
    let star1 = VersionRef { catalog: "star-1".into(), version: "1.1".into() };
    assert_eq!(attach(w.lab.clone(), star1, true).await.unwrap_err().kind, ErrorKind::Invalid);
    // A summary with a direction override is refused, naming the field.
    let disguised = crate::ReportSubmission {
        report_id: "LAB-2026-0042".into(),
        issued_on: date(2026, 11, 20),
        criteria: criteria.clone(),
        conforms: true,
        sha256: sha.clone(),
        summary: Localized { ja: Some("全要件に適合\u{202e}".into()), en: None },
    };
    let e = r.attach_report(&w.lab, &app.id, disguised).await.unwrap_err();
    assert_eq!((e.kind, e.problems[0].pointer.as_str()), (ErrorKind::Invalid, "/summary/ja"), "{e:?}");
    let with_report = attach(w.lab.clone(), criteria.clone(), true).await.unwrap();
    assert_eq!(with_report.status, AppStatus::AwaitingInquiry);
    assert_eq!(r.application(&w.lab, &app.id).await.unwrap().id, app.id, "the designated lab sees the application");
    assert_eq!(attach(w.lab.clone(), criteria, true).await.unwrap_err().kind, ErrorKind::Conflict);

    r.record_inquiry(&w.liaison, &app.id, InquiryOutcome::Cleared, "").await.unwrap();
    let label = r.grant(&w.reviewer, &app.id).await.unwrap();
    assert_eq!(label.id.level, Level::Star3);
    assert_eq!(label.category.as_deref(), Some("network-camera"));
    assert_eq!(label.public.evaluator_category, "independent_test_laboratory");
    assert_eq!(label.report.as_ref().unwrap().report_id, "LAB-2026-0042");
    assert_eq!(label.report.as_ref().unwrap().lab, "Lab");
    assert_replay_matches(&store).await;
}

/// A criteria revision: version 1.1 superseded by 1.2 with a grace period.
/// Existing labels are untouched; 1.1 is accepted until the grace end and
/// refused after it.
pub async fn criteria_revision(store: Arc<dyn Store>) {
    // Before the revision: a label granted against 1.1.
    let before = World::new(store.clone()).await;
    let id = before.cleared_application(EXAMPLE_CHECKLIST).await;
    let label = before.registry.grant(&before.reviewer, &id).await.unwrap();

    // The revision: the same store, served with the revised catalog.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let mut files = starmark_criteria::read_dir_files(&root).unwrap();
    let old =
        String::from_utf8(files.iter().find(|(n, _)| n == "catalogs/star-1-1.1.toml").unwrap().1.clone()).unwrap();
    for (n, b) in files.iter_mut() {
        if n == "catalogs/star-1-1.1.toml" {
            *b = old.replacen("state = \"current\"", "state = \"superseded\"\ngrace_end = 2027-01-31", 1).into_bytes();
        }
    }
    files.push((
        "catalogs/star-1-1.2.toml".into(),
        old.replacen("version = \"1.1\"", "version = \"1.2\"", 1).into_bytes(),
    ));
    let clock = Arc::new(ManualClock::at_date(date(2026, 12, 1)));
    let revised =
        Registry::new(store.clone(), Arc::new(CatalogSet::from_files("revised", files).unwrap()), clock.clone())
            .with_log_key(test_log_key());

    // A revision never revokes a label.
    let l = revised.label(label.id).await.unwrap();
    assert_eq!(revised.status(&l), LabelStatus::Valid);
    assert_eq!(l.criteria.version, "1.1", "the label keeps the version it was evaluated against");

    // Inside the grace period 1.1 is accepted (with a warning); after it, returned.
    let app = revised.submit(&before.vendor, EXAMPLE_CHECKLIST.as_bytes(), Some(Encoding::Toml)).await.unwrap();
    assert_eq!(app.status, AppStatus::AwaitingInquiry);
    assert!(app.problems.iter().any(|p| p.code == "catalog-superseded"));
    clock.set_date(date(2027, 2, 1));
    let late = revised.submit(&before.vendor, EXAMPLE_CHECKLIST.as_bytes(), Some(Encoding::Toml)).await.unwrap();
    assert_eq!(late.status, AppStatus::Returned);
    assert!(late.problems.iter().any(|p| p.code == "catalog-not-accepted"), "{:#?}", late.problems);
    assert_eq!(revised.status(&revised.label(label.id).await.unwrap()), LabelStatus::Valid);
}

/// The transparency log: label events (and only they) become signed
/// leaves in the same commit, at dense indexes; the tree rebuilt from the
/// store gives checkpoints and proofs that verify; a registry without the
/// key writes no label event at all.
pub async fn transparency_log(store: Arc<dyn Store>) {
    use starmark_tlog::checkpoint::Checkpoint;
    use starmark_tlog::merkle::{leaf_hash, verify_consistency, verify_inclusion};
    use starmark_tlog::note::Verifier;
    use starmark_tlog::statement;

    let w = World::new(store.clone()).await;
    w.registry.publish_log_key().await.unwrap();
    let key = test_log_key();
    let verifier = Verifier::parse(&key.verifier_key()).unwrap();
    assert_eq!(w.registry.log_size().await.unwrap(), 0, "applications are not in the log");

    let app = w.cleared_application(EXAMPLE_CHECKLIST).await;
    let label = w.registry.grant(&w.reviewer, &app).await.unwrap();
    assert_eq!(label.status_list_index, Some(0));
    assert_eq!(w.registry.log_size().await.unwrap(), 1);
    let info = SecurityInfo { vulnerability_contact: "psirt@example.com".into(), ..SecurityInfo::default() };
    w.registry.update_security_info(&w.vendor, label.id, info).await.unwrap();
    w.registry.revoke(&w.reviewer, label.id, "false_application", "Declared answers were false.").await.unwrap();
    assert_eq!(w.registry.log_size().await.unwrap(), 3);

    // A second label gets the next status-list index.
    let app2 = w.cleared_application(EXAMPLE_CHECKLIST).await;
    let label2 = w.registry.grant(&w.reviewer, &app2).await.unwrap();
    assert_eq!(label2.status_list_index, Some(1));
    assert_eq!(store.label_log_indexes(label.id).await.unwrap(), vec![0, 1, 2]);
    assert_eq!(store.label_log_indexes(label2.id).await.unwrap(), vec![3]);

    // Every leaf opens with the key; its record matches its digest; it
    // says what happened and nothing internal.
    let entries = store.log_entries(0, 100).await.unwrap();
    assert_eq!(entries.iter().map(|e| e.index).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    let events: Vec<_> = ["label_granted", "security_info_updated", "label_revoked", "label_granted"].into();
    let hashes = store.log_hashes(0, 100).await.unwrap();
    for ((e, want), hash) in entries.iter().zip(events).zip(&hashes) {
        assert_eq!(leaf_hash(e.leaf.as_bytes()), *hash);
        let st = statement::open(e.leaf.as_bytes(), std::slice::from_ref(&verifier)).unwrap();
        let st: crate::transparency::Statement = serde_json::from_value(st).unwrap();
        assert_eq!(st.event, want);
        assert_eq!(st.log, "registry.test.example/log");
        assert_eq!(st.label, e.label.to_string());
        let digest = {
            use sha2::Digest;
            sha2::Sha256::digest(e.record.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        assert_eq!(st.record_sha256, digest);
        assert!(!e.leaf.contains(&label.vendor) && !e.record.contains(&label.vendor), "vendor org ID leaked");
        assert!(!e.record.contains(&app), "application ID leaked");
    }
    let revoked: crate::transparency::Statement =
        serde_json::from_value(statement::open(entries[2].leaf.as_bytes(), std::slice::from_ref(&verifier)).unwrap())
            .unwrap();
    assert_eq!(revoked.status, "revoked");
    assert_eq!(revoked.revocation.as_ref().map(|r| r.ground.as_str()), Some("false_application"));
    assert!(entries[2].record.contains("Declared answers were false."));
    assert!(entries[1].record.contains("psirt@example.com"));

    // Checkpoints and proofs from a registry that rebuilt the tree from the store.
    let fresh = Registry::new(store.clone(), Arc::new(CatalogSet::embedded().unwrap()), w.clock.clone())
        .with_log_key(test_log_key());
    assert_eq!(fresh.log_size().await.unwrap(), 4);
    let log = fresh.log().unwrap();
    let cp4 = Checkpoint::open(&log.checkpoint(4).unwrap(), "registry.test.example/log", &verifier).unwrap();
    assert_eq!(cp4.size, 4);
    let cp2 = Checkpoint::open(&log.checkpoint(2).unwrap(), "registry.test.example/log", &verifier).unwrap();
    for (i, h) in hashes.iter().enumerate() {
        let proof = log.inclusion_proof(i as u64, 4).unwrap();
        verify_inclusion(i as u64, 4, h, &proof, &cp4.root).unwrap();
    }
    verify_consistency(2, 4, &cp2.root, &cp4.root, &log.consistency_proof(2, 4).unwrap()).unwrap();
    assert!(log.checkpoint(5).is_err(), "a checkpoint beyond the log");

    // The key history and the status list.
    let keys = store.log_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].verifier_key, key.verifier_key());
    store.record_log_key(&key.verifier_key(), crate::clock::Clock::now(w.clock.as_ref())).await.unwrap();
    assert_eq!(store.log_keys().await.unwrap(), keys, "recording a key twice keeps its first time");
    assert_eq!(store.status_list().await.unwrap(), vec![(0, true), (1, false)]);

    // Without the key: no grant, nothing written.
    let keyless = Registry::new(store.clone(), Arc::new(CatalogSet::embedded().unwrap()), w.clock.clone());
    let app3 = w.cleared_application(EXAMPLE_CHECKLIST).await;
    let before = store.events(0, 10_000).await.unwrap().len();
    let e = keyless.grant(&w.reviewer, &app3).await.unwrap_err();
    assert!(e.message.contains("without a log key"), "{e}");
    assert_eq!(store.events(0, 10_000).await.unwrap().len(), before);
    assert_eq!(store.log_hashes(0, 100).await.unwrap().len(), 4);
    assert!(keyless.log().is_err());
    // A store refuses a label event without its leaf, or a leaf without its event.
    let l = store.label(label2.id).await.unwrap().unwrap();
    let bare = Commit {
        events: vec![NewEvent {
            at: crate::clock::Clock::now(w.clock.as_ref()),
            actor: Actor::system(),
            subject: Subject::Label(label2.id),
            reason: None,
            kind: EventKind::LabelExpired { on: l.state.expires_on },
        }],
        applications: vec![],
        labels: vec![Write { state: l.state.clone(), expected: Some(l.version) }],
        log: vec![],
    };
    assert!(matches!(store.commit(bare.clone()).await, Err(StoreError::Corrupt(_))));
    let mut stray = bare;
    let leaf = fresh.log().unwrap().append(0, &stray.events[0], &l.state).unwrap();
    stray.log = vec![crate::store::LogAppend { event: 0, label: label.id, ..leaf }];
    assert!(matches!(store.commit(stray).await, Err(StoreError::Corrupt(_))));
    assert_eq!(store.events(0, 10_000).await.unwrap().len(), before);
    assert_replay_matches(&store).await;
}
