//! Example data for `starmark serve --demo`: fictional vendors and labels
//! in every public status, so a newcomer sees real pages at once.
//!
//! Everything is made through the ordinary service calls (submit, inquiry,
//! grant, renew, revoke, expiry) with a controlled clock walking from about
//! two years ago to today, so the status histories, dates and statistics
//! are what the registry itself would have written. Every organization and
//! product name carries a `[DEMO]` / `【デモ】` mark and every address is
//! under `example.com`, so nothing can be mistaken for a real label.

use std::sync::Arc;

use jiff::ToSpan;
use jiff::civil::Date;
use starmark_checklist::{Encoding, Localized};
use starmark_criteria::CatalogSet;

use crate::auth::{OrgKind, Role};
use crate::clock::{ManualClock, scheme_tz};
use crate::error::{ErrorKind, RegistryError};
use crate::label_id::LabelId;
use crate::model::{InquiryOutcome, SecurityInfo};
use crate::service::{Principal, Registry};
use crate::store::Store;

/// The checklist every demo application starts from: the repository's
/// worked example (it passes the format check).
const BASE: &str = include_str!("../../../examples/star-1-home-camera/checklist.toml");

/// The mark on every demo name.
pub const MARK_EN: &str = "[DEMO]";
pub const MARK_JA: &str = "【デモ】";

/// What the seeding made: tokens to try the API with, and the labels by
/// the status they show.
#[derive(Debug)]
pub struct DemoSeed {
    /// `(role, token)` for a demo vendor and the scheme owner's roles.
    pub tokens: Vec<(&'static str, String)>,
    /// `(what it shows, label ID)`.
    pub labels: Vec<(&'static str, LabelId)>,
}

/// A fictional product.
struct Product {
    ja: &'static str,
    en: &'static str,
    models: &'static str,
    slug: &'static str,
}

const CAMERA: Product =
    Product {
        ja: "ホームカメラ HC-200", en: "Home Camera HC-200", models: r#"["HC-200", "HC-200W"]"#, slug: "hc-200"
    };
const PLUG: Product =
    Product { ja: "スマートプラグ SP-10", en: "Smart Plug SP-10", models: r#"["SP-10"]"#, slug: "sp-10" };
const ROUTER: Product = Product {
    ja: "無線LANルーター WR-1800",
    en: "Wi-Fi Router WR-1800",
    models: r#"["WR-1800", "WR-1800E"]"#,
    slug: "wr-1800",
};
const MONITOR: Product =
    Product { ja: "ベビーモニター BM-3", en: "Baby Monitor BM-3", models: r#"["BM-3"]"#, slug: "bm-3" };
const SENSOR: Product =
    Product { ja: "ドアセンサー DS-1", en: "Door Sensor DS-1", models: r#"["DS-1"]"#, slug: "ds-1" };
const SPEAKER: Product =
    Product { ja: "スマートスピーカー SS-5", en: "Smart Speaker SS-5", models: r#"["SS-5"]"#, slug: "ss-5" };
const LOCK: Product =
    Product { ja: "スマートロック SL-2", en: "Smart Lock SL-2", models: r#"["SL-2"]"#, slug: "sl-2" };

/// Replaces one exact piece of the base checklist, or says which was missing.
fn edit(text: String, from: &str, to: &str) -> Result<String, RegistryError> {
    if !text.contains(from) {
        return Err(RegistryError::new(ErrorKind::Invalid, format!("demo checklist lacks {from:?}")));
    }
    Ok(text.replacen(from, to, 1))
}

/// The base checklist made into `p` by the demo vendor `vendor`,
/// evaluated on `evaluated`, asking for `months` of validity.
fn checklist(p: &Product, vendor: (&str, &str), evaluated: Date, months: Option<u32>) -> Result<String, RegistryError> {
    let mut t = BASE.to_string();
    t = edit(
        t,
        r#"name = { ja = "エグザンプル株式会社", en = "Example Corp." }"#,
        &format!(r#"name = {{ ja = "{MARK_JA}{}", en = "{MARK_EN} {}" }}"#, vendor.0, vendor.1),
    )?;
    t = edit(
        t,
        r#"name = { ja = "ホームカメラ HC-200", en = "Home Camera HC-200" }"#,
        &format!(r#"name = {{ ja = "{MARK_JA}{}", en = "{MARK_EN} {}" }}"#, p.ja, p.en),
    )?;
    t = edit(t, r#"model_numbers = ["HC-200", "HC-200W"]"#, &format!("model_numbers = {}", p.models))?;
    t = edit(t, "products/hc-200", &format!("products/{}", p.slug))?;
    t = edit(t, "evaluated_on = 2026-10-15", &format!("evaluated_on = {evaluated}"))?;
    if let Some(m) = months {
        t = edit(t, "[criteria]", &format!("requested_validity_months = {m}\n\n[criteria]"))?;
    }
    Ok(t)
}

/// Fills an empty store with the demo data, as of `today`, signing the
/// label events with `log_key`.
pub async fn seed(
    store: Arc<dyn Store>,
    catalogs: Arc<CatalogSet>,
    today: Date,
    log_key: starmark_tlog::note::Signer,
) -> Result<DemoSeed, RegistryError> {
    let clock = Arc::new(ManualClock::at_date(today));
    let r = Registry::new(store, catalogs, clock.clone()).with_log_key(log_key);
    let at = |days_ago: i64| -> Result<Date, RegistryError> {
        today
            .checked_sub(days_ago.days())
            .map_err(|e| RegistryError::new(ErrorKind::Invalid, format!("demo date: {e}")))
    };
    let set = |days_ago: i64| -> Result<(), RegistryError> {
        let day = at(days_ago)?;
        // Office hours in the scheme's time zone, so events read naturally.
        let ts = scheme_tz()
            .to_timestamp(day.at(10, 30, 0, 0))
            .map_err(|e| RegistryError::new(ErrorKind::Invalid, format!("demo time: {e}")))?;
        clock.set(ts);
        Ok(())
    };

    let electric = ("エグザンプル電機株式会社", "Example Electric Co.");
    let networks = ("サンプルネットワークス株式会社", "Sample Networks Inc.");
    let token = async |org_id: &str, role: Role| -> Result<(String, Principal), RegistryError> {
        let secret = r.issue_token(org_id, role, "demo").await?;
        let principal = r.authenticate(secret.expose()).await?;
        Ok((secret.expose().to_string(), principal))
    };
    set(520)?;
    let electric_org = r.add_org(OrgKind::Vendor, &format!("{MARK_EN} {}", electric.1), None).await?;
    let networks_org = r.add_org(OrgKind::Vendor, &format!("{MARK_EN} {}", networks.1), None).await?;
    let owner = r.add_org(OrgKind::SchemeOwner, &format!("{MARK_EN} Scheme owner"), None).await?;
    let (electric_token, electric_p) = token(&electric_org.id, Role::Vendor).await?;
    let (_, networks_p) = token(&networks_org.id, Role::Vendor).await?;
    let (reviewer_token, reviewer) = token(&owner.id, Role::Reviewer).await?;
    let (liaison_token, liaison) = token(&owner.id, Role::Liaison).await?;
    let (admin_token, _) = token(&owner.id, Role::Admin).await?;

    // Submit on one day, clear the inquiry and grant a few days later.
    let granted = async |vendor: &Principal,
                         text: &str,
                         submitted: i64,
                         granted: i64|
           -> Result<LabelId, RegistryError> {
        set(submitted)?;
        let app = r.submit(vendor, text.as_bytes(), Some(Encoding::Toml)).await?;
        if let Some(p) = app.problems.first() {
            return Err(RegistryError::invalid(format!("demo checklist refused: {}", p.message), app.problems.clone()));
        }
        set(submitted - 2)?;
        r.record_inquiry(&liaison, &app.id, InquiryOutcome::Cleared, "demo: no concern").await?;
        set(granted)?;
        Ok(r.grant(&reviewer, &app.id).await?.id)
    };

    let mut labels = Vec::new();
    // Expired: a one-year label granted 500 days ago. (The STAR-1 criteria
    // were published on 2024-12-01; nothing is evaluated before that.)
    let monitor = granted(&electric_p, &checklist(&MONITOR, electric, at(515)?, Some(12))?, 510, 500).await?;
    labels.push(("expired", monitor));
    // Renewed: a one-year label, renewed shortly before it ran out.
    let plug = granted(&electric_p, &checklist(&PLUG, electric, at(420)?, Some(12))?, 415, 410).await?;
    set(60)?;
    let renewal = r
        .renew(&electric_p, plug, checklist(&PLUG, electric, at(65)?, Some(12))?.as_bytes(), Some(Encoding::Toml))
        .await?;
    set(55)?;
    r.record_inquiry(&liaison, &renewal.id, InquiryOutcome::Cleared, "demo: no concern").await?;
    set(50)?;
    r.grant(&reviewer, &renewal.id).await?;
    labels.push(("valid, renewed", plug));
    // Revoked.
    let router = granted(&networks_p, &checklist(&ROUTER, networks, at(310)?, None)?, 305, 300).await?;
    set(40)?;
    r.revoke(
        &reviewer,
        router,
        "criteria_no_longer_met",
        "【デモ】ファームウェア更新の提供終了が判明したため取り消しました。 [DEMO] Revoked: security updates were found to have ended.",
    )
    .await?;
    labels.push(("revoked", router));
    // Valid, with a published vulnerability note.
    let camera = granted(&electric_p, &checklist(&CAMERA, electric, at(100)?, None)?, 95, 90).await?;
    set(30)?;
    r.update_security_info(
        &electric_p,
        camera,
        SecurityInfo {
            vulnerabilities: Localized {
                ja: Some("【デモ】ファームウェア 1.4.2 で修正済みの脆弱性が1件あります（架空）。".into()),
                en: Some("[DEMO] One vulnerability, fixed in firmware 1.4.2 (fictional).".into()),
            },
            vulnerability_contact: "https://www.example.com/security".into(),
            other: Localized::default(),
        },
    )
    .await?;
    labels.push(("valid, with vulnerability information", camera));
    let sensor = granted(&networks_p, &checklist(&SENSOR, networks, at(25)?, None)?, 20, 15).await?;
    labels.push(("valid", sensor));

    // Applications that have no label (yet): one awaiting the inquiry, one refused.
    set(3)?;
    r.submit(&networks_p, checklist(&SPEAKER, networks, at(5)?, None)?.as_bytes(), Some(Encoding::Toml)).await?;
    set(12)?;
    let lock =
        r.submit(&electric_p, checklist(&LOCK, electric, at(14)?, None)?.as_bytes(), Some(Encoding::Toml)).await?;
    set(8)?;
    r.refuse(&reviewer, &lock.id, "demo: the applicant withdrew the product").await?;

    // Today: the expiry of the old label is written to the log.
    set(0)?;
    r.record_expiries().await?;

    Ok(DemoSeed {
        tokens: vec![
            ("vendor (Example Electric)", electric_token),
            ("reviewer", reviewer_token),
            ("liaison", liaison_token),
            ("admin", admin_token),
        ],
        labels,
    })
}
