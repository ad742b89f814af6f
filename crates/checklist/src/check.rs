//! The format check: what the scheme owner verifies before granting a
//! self-declared label. It checks the checklist's form and consistency
//! against the catalog, never the product's security.
//!
//! Every problem has a stable code (documented in `docs/checklist.md`), the
//! path of the offending value, what is wrong and what to do.

use std::collections::{BTreeMap, HashSet};

use jiff::civil::Date;
use serde::Serialize;
use starmark_criteria::locate::Path;
use starmark_criteria::{Assessment, CatalogSet, CatalogState, Lang, Method, MethodsBasis, Requirement};

use crate::model::{Applicability, Checklist, FORMAT, Item, Localized, MethodUsed, Verdict};
use crate::parse::MAX_TEXT_CHARS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks the application.
    Error,
    /// Worth fixing; does not block.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    /// Stable identifier, e.g. `verdict-missing`.
    pub code: &'static str,
    #[serde(serialize_with = "ser_pointer")]
    pub path: Path,
    pub message: String,
    pub help: String,
}

fn ser_pointer<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.pointer())
}

/// The result of the format check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == Severity::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == Severity::Warning).count()
    }

    /// Whether the checklist passes: no errors (warnings allowed).
    pub fn passed(&self) -> bool {
        self.errors() == 0
    }
}

struct Ctx {
    out: Vec<Problem>,
}

impl Ctx {
    fn error(&mut self, code: &'static str, path: Path, message: impl Into<String>, help: impl Into<String>) {
        self.out.push(Problem { severity: Severity::Error, code, path, message: message.into(), help: help.into() });
    }

    fn warn(&mut self, code: &'static str, path: Path, message: impl Into<String>, help: impl Into<String>) {
        self.out.push(Problem { severity: Severity::Warning, code, path, message: message.into(), help: help.into() });
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// Runs the format check as of `today` (the clock is the caller's).
pub fn check(c: &Checklist, catalogs: &CatalogSet, today: Date) -> Report {
    let mut cx = Ctx { out: Vec::new() };
    let root = Path::root();

    if c.format != FORMAT {
        let msg = if blank(&c.format) {
            "the format is not stated".to_string()
        } else {
            format!("unknown format `{}`", c.format)
        };
        cx.error("format", root.key("format"), msg, format!("set format = \"{FORMAT}\""));
    }
    check_lengths(c, &mut cx);

    let level = c.level;
    let level_params = level.and_then(|l| catalogs.scheme.level(l));
    match (level, level_params) {
        (None, _) => cx.error(
            "level-missing",
            root.key("level"),
            "the level applied for is not stated",
            "set level = \"star-1\" (or \"star-2\")",
        ),
        (Some(l), None) => cx.error(
            "level-unknown",
            root.key("level"),
            format!("{l} is not defined by the scheme parameters"),
            "use a level the scheme defines",
        ),
        _ => {}
    }

    // Product category.
    if let Some(p) = level_params {
        match (&c.category, p.requires_category) {
            (None, true) => cx.error(
                "category-missing",
                root.key("category"),
                format!("{} criteria are per product category, and none is named", p.id),
                category_help(catalogs),
            ),
            (Some(cat), _) if catalogs.scheme.product_category(cat).is_none() => cx.error(
                "category-unknown",
                root.key("category"),
                format!("unknown product category `{cat}`"),
                category_help(catalogs),
            ),
            (Some(_), false) => cx.warn(
                "category-unexpected",
                root.key("category"),
                format!("{} has no product categories; the category is ignored", p.id),
                "remove `category`",
            ),
            _ => {}
        }
    }

    // The catalog version.
    let cref = &c.criteria;
    let catalog = catalogs.catalog(&cref.catalog, &cref.version);
    match catalog {
        None => {
            let suggestion = level
                .and_then(|l| catalogs.current_for_level(l))
                .or_else(|| catalogs.current(&cref.catalog))
                .map(|k| {
                    format!(
                        "the current version is criteria = {{ catalog = \"{}\", version = \"{}\" }}",
                        k.id(),
                        k.version()
                    )
                })
                .unwrap_or_else(|| "`starmark criteria list` shows the catalogs".to_string());
            let what = if blank(&cref.catalog) || blank(&cref.version) {
                "the criteria catalog and version are not stated".to_string()
            } else {
                format!("there is no criteria catalog {} version {}", cref.catalog, cref.version)
            };
            cx.error("catalog-unknown", root.key("criteria"), what, suggestion);
        }
        Some(k) => {
            if let (Some(cat), Some(kcat)) = (&c.category, &k.catalog.category)
                && cat != kcat
            {
                cx.error(
                    "catalog-category-mismatch",
                    root.key("criteria"),
                    format!(
                        "{} {} is for the product category {kcat}, but the application names {cat}",
                        k.id(),
                        k.version()
                    ),
                    "evaluate against the criteria of the product's category",
                );
            }
            if let (Some(l), Some(kl)) = (level, k.catalog.level) {
                if l != kl {
                    cx.error(
                        "catalog-level-mismatch",
                        root.key("criteria"),
                        format!("{} {} holds {kl} criteria, but the level applied for is {l}", k.id(), k.version()),
                        "evaluate against the catalog of the level applied for",
                    );
                }
            } else if k.catalog.level.is_none() {
                cx.error(
                    "catalog-level-mismatch",
                    root.key("criteria").key("catalog"),
                    format!("{} is not a catalog of this scheme's criteria", k.id()),
                    "name a JC-STAR criteria catalog, e.g. star-1",
                );
            }
            if !k.accepts_applications_on(today) {
                let current = catalogs
                    .current(k.id())
                    .map(|n| format!("re-evaluate against version {}", n.version()))
                    .unwrap_or_else(|| "re-evaluate against a current version".into());
                let why = match (k.catalog.state, k.catalog.grace_end) {
                    (CatalogState::Superseded, Some(end)) => {
                        format!("version {} was superseded and its grace period ended on {end}", k.version())
                    }
                    _ => format!("version {} is retired", k.version()),
                };
                cx.error(
                    "catalog-not-accepted",
                    root.key("criteria").key("version"),
                    format!("{why}; it no longer accepts applications"),
                    current,
                );
            } else if k.catalog.state == CatalogState::Superseded
                && let Some(end) = k.catalog.grace_end
            {
                cx.warn(
                    "catalog-superseded",
                    root.key("criteria").key("version"),
                    format!("version {} is superseded; applications are accepted until {end}", k.version()),
                    "consider evaluating against the current version",
                );
            }
        }
    }

    check_applicant(c, &mut cx);
    check_product(c, &mut cx);
    check_evaluator(c, catalogs, catalog.map(|k| k.catalog.published).unwrap_or(None), today, &mut cx);

    if let (Some(months), Some(p)) = (c.requested_validity_months, level_params)
        && (months == 0 || months > p.validity_max_months)
    {
        cx.error(
            "validity-out-of-range",
            root.key("requested_validity_months"),
            format!("{months} months asked; a {} label is valid for 1 to {} months", p.id, p.validity_max_months),
            "ask for a shorter validity, or remove the field for the maximum",
        );
    }

    if let Some(b) = &c.evidence_bundle {
        let hex =
            |h: &str, n: usize| h.len() == n && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let bp = root.key("evidence_bundle");
        if !hex(&b.manifest_sha256, 64) {
            cx.error(
                "evidence-bundle-malformed",
                bp.key("manifest_sha256"),
                "manifest_sha256 must be 64 lowercase hexadecimal characters",
                "copy the digest `starmark evidence verify DIR` prints, or let `starmark evaluate` write it",
            );
        }
        if let Some(k) = &b.key_id
            && !hex(k, 16)
        {
            cx.error(
                "evidence-bundle-malformed",
                bp.key("key_id"),
                "key_id must be 16 lowercase hexadecimal characters",
                "copy the key ID `starmark evidence verify DIR` prints, or remove it",
            );
        }
    }

    let third_party = level_params.is_some_and(|p| p.assessment == Assessment::ThirdPartyCertification);
    if third_party {
        // STAR-3/4: this document is the application form; the accredited
        // laboratory's evaluation report carries the results.
        if !c.items.is_empty() {
            cx.warn("items-ignored", root.key("items"), "for a third-party level the laboratory's evaluation report carries the results; these items are ignored", "remove the items; the laboratory attaches its report to the application");
        }
    } else if let Some(k) = catalog {
        check_items(c, &k.requirements, &format!("{} {}", k.id(), k.version()), &mut cx);
    }

    Report { problems: cx.out }
}

fn category_help(catalogs: &CatalogSet) -> String {
    let ids: Vec<&str> = catalogs.scheme.product_categories.iter().map(|c| c.id.as_str()).collect();
    format!("set category to one of: {}", ids.join(", "))
}

fn check_lengths(c: &Checklist, cx: &mut Ctx) {
    fn walk(v: &serde_json::Value, path: Path, cx: &mut Ctx) {
        match v {
            serde_json::Value::String(s) if s.chars().count() > MAX_TEXT_CHARS => cx.error(
                "text-too-long",
                path,
                format!("this text is {} characters; the limit is {MAX_TEXT_CHARS}", s.chars().count()),
                "shorten it; keep long material in the evidence and refer to it",
            ),
            serde_json::Value::String(s) if s.chars().any(forbidden_char) => {
                let c = s
                    .chars()
                    .find(|&c| forbidden_char(c))
                    .map(|c| format!("U+{:04X}", u32::from(c)))
                    .unwrap_or_default();
                cx.error(
                    "text-control-character",
                    path,
                    format!("this text contains the invisible control character {c}"),
                    "remove it; control and bidirectional-override characters can hide or disguise text on the public page",
                )
            }
            serde_json::Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| walk(v, path.index(i), cx)),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| walk(v, path.key(k.clone()), cx)),
            _ => {}
        }
    }
    if let Ok(v) = serde_json::to_value(c) {
        walk(&v, Path::root(), cx);
    }
}

/// Control characters (other than tab and line breaks), bidirectional
/// overrides and isolates, and Unicode noncharacters: never meaningful in a
/// checklist or in anything else shown on a label's public page or feed,
/// and able to disguise text (or, in XML, to break it).
pub fn forbidden_char(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        // Noncharacters: XML (the Atom feed) may not carry them.
        || matches!(c, '\u{FDD0}'..='\u{FDEF}')
        || u32::from(c) & 0xFFFE == 0xFFFE
}

fn check_localized(t: &Localized, path: Path, what: &str, cx: &mut Ctx) {
    if t.is_blank() {
        cx.error(
            "field-missing",
            path,
            format!("{what} is missing"),
            format!("give {what} in Japanese (ja) and English (en)"),
        );
        return;
    }
    for l in Lang::ALL {
        if t.exact(l).is_none() {
            cx.warn(
                "translation-missing",
                path.key(l.code()),
                format!("{what} has no {} version", l.name()),
                format!("add {} = \"...\"; the public page is shown in Japanese and English", l.code()),
            );
        }
    }
}

fn check_applicant(c: &Checklist, cx: &mut Ctx) {
    let p = Path::root().key("applicant");
    check_localized(&c.applicant.name, p.key("name"), "the applicant's name", cx);
    if blank(&c.applicant.contact) {
        cx.error(
            "field-missing",
            p.key("contact"),
            "the applicant's contact is missing",
            "give the e-mail address or telephone number the scheme owner should use",
        );
    }
    if let Some(n) = &c.applicant.corporate_number
        && !valid_corporate_number(n)
    {
        cx.error(
            "corporate-number-invalid",
            p.key("corporate_number"),
            format!("`{n}` is not a valid 13-digit Japanese corporate number (the check digit does not match)"),
            "copy the number from the corporate number publication site, or remove the field if the applicant has none",
        );
    }
}

/// Japanese corporate numbers: 13 digits; the first is a check digit over
/// the other twelve (weights 1 and 2 alternating from the right, mod 9).
fn valid_corporate_number(n: &str) -> bool {
    let digits: Vec<u32> = n.chars().filter_map(|c| c.to_digit(10)).collect();
    if n.chars().count() != 13 || digits.len() != 13 {
        return false;
    }
    let Some((&check, base)) = digits.split_first() else { return false };
    let sum: u32 = base.iter().rev().enumerate().map(|(i, d)| d * if i % 2 == 0 { 1 } else { 2 }).sum();
    check == 9 - sum % 9
}

fn check_product(c: &Checklist, cx: &mut Ctx) {
    let p = Path::root().key("product");
    let pr = &c.product;
    check_localized(&pr.name, p.key("name"), "the product name", cx);
    check_localized(&pr.overview, p.key("overview"), "the product overview", cx);
    if pr.model_numbers.is_empty() {
        cx.error(
            "field-missing",
            p.key("model_numbers"),
            "no model number is given",
            "list every model number the label covers, e.g. model_numbers = [\"AB-100\"]",
        );
    }
    let mut seen = HashSet::new();
    for (i, m) in pr.model_numbers.iter().enumerate() {
        if blank(m) {
            cx.error(
                "field-missing",
                p.key("model_numbers").index(i),
                "this model number is empty",
                "remove it or fill it in",
            );
        } else if !seen.insert(m.trim()) {
            cx.error(
                "model-number-duplicate",
                p.key("model_numbers").index(i),
                format!("model number `{m}` is listed twice"),
                "list each model number once",
            );
        }
    }
    if blank(&pr.manufacturer.name) {
        cx.error(
            "field-missing",
            p.key("manufacturer").key("name"),
            "the manufacturer's name is missing",
            "give it; it is published only if `disclose = true`",
        );
    }
    if pr.manufacturer.disclose.is_none() {
        cx.error(
            "disclosure-not-chosen",
            p.key("manufacturer").key("disclose"),
            "whether to publish the manufacturer's name is not chosen",
            "set disclose = true to publish it on the product page, or false to keep it private",
        );
    }
    let code = pr.country_of_manufacture.code.trim();
    if code.is_empty() {
        cx.error(
            "field-missing",
            p.key("country_of_manufacture").key("code"),
            "the country or region of manufacture is missing",
            "give its ISO 3166-1 alpha-2 code, e.g. \"JP\"",
        );
    } else if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        cx.error(
            "country-code-invalid",
            p.key("country_of_manufacture").key("code"),
            format!("`{code}` is not an ISO 3166-1 alpha-2 code"),
            "use two capital letters, e.g. \"JP\", \"TW\", \"VN\"",
        );
    }
    if pr.country_of_manufacture.disclose.is_none() {
        cx.error(
            "disclosure-not-chosen",
            p.key("country_of_manufacture").key("disclose"),
            "whether to publish the country or region of manufacture is not chosen",
            "set disclose = true to publish it on the product page, or false to keep it private",
        );
    }
    if let Some(url) = &pr.url
        && (!(url.starts_with("https://") || url.starts_with("http://"))
            || url.contains(char::is_whitespace)
            || url.len() < 10)
    {
        cx.error(
            "url-invalid",
            p.key("url"),
            format!("`{url}` is not a web address"),
            "give the product page's full address, starting with https://",
        );
    }
    if blank(&pr.inquiry_contact) {
        cx.error(
            "field-missing",
            p.key("inquiry_contact"),
            "the contact for product inquiries is missing",
            "give the address, form URL or telephone number buyers should use; it is published",
        );
    }
    for (i, cert) in pr.other_certifications.iter().enumerate() {
        if blank(&cert.scheme) || blank(&cert.number) {
            cx.error(
                "field-missing",
                p.key("other_certifications").index(i),
                "another certification needs both `scheme` and `number`",
                "fill in both, or remove the entry",
            );
        }
    }
}

fn check_evaluator(c: &Checklist, catalogs: &CatalogSet, published: Option<Date>, today: Date, cx: &mut Ctx) {
    let p = Path::root().key("evaluator");
    let e = &c.evaluator;
    let ids = || catalogs.scheme.evaluator_categories.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ");
    let category = catalogs.scheme.evaluator_category(&e.category);
    match category {
        None if blank(&e.category) => cx.error(
            "field-missing",
            p.key("category"),
            "the evaluator category is missing",
            format!("set category to one of: {}", ids()),
        ),
        None => cx.error(
            "evaluator-category-unknown",
            p.key("category"),
            format!("unknown evaluator category `{}`", e.category),
            format!("use one of: {}", ids()),
        ),
        Some(cat) => {
            if let Some(lp) = c.level.and_then(|l| catalogs.scheme.level(l))
                && !lp.evaluators.contains(&cat.id)
            {
                cx.error(
                    "evaluator-not-allowed",
                    p.key("category"),
                    format!("a {} evaluator may not evaluate for {}", cat.id, lp.id),
                    format!("{} may be evaluated by: {}", lp.id, lp.evaluators.join(", ")),
                );
            }
            if cat.requires_qualification && e.qualification.as_deref().is_none_or(blank) {
                cx.error("qualification-missing", p.key("qualification"), format!("a {} must name the designated qualification held", cat.id), "give the qualification and its registration number, e.g. \"Registered Information Security Specialist No. 012345\"");
            }
            if cat.requires_accreditation && e.accreditation.as_deref().is_none_or(blank) {
                cx.error("accreditation-missing", p.key("accreditation"), format!("a {} must name its registration or accreditation", cat.id), "give the registration (testing service providers) or ISO/IEC 17025 accreditation number (test laboratories)");
            }
        }
    }
    if blank(&e.name) {
        cx.error(
            "field-missing",
            p.key("name"),
            "the evaluator's name is missing",
            "give the person's or organisation's name",
        );
    }
    match e.evaluated_on {
        None => cx.error(
            "field-missing",
            p.key("evaluated_on"),
            "the date the evaluation was completed is missing",
            "set evaluated_on = YYYY-MM-DD",
        ),
        Some(d) if d > today => cx.error(
            "date-in-future",
            p.key("evaluated_on"),
            format!("the evaluation is dated {d}, after today ({today})"),
            "give the date the evaluation was completed",
        ),
        Some(d) if published.is_some_and(|pb| d < pb) => cx.error(
            "date-before-catalog",
            p.key("evaluated_on"),
            format!(
                "the evaluation is dated {d}, before the criteria version was published ({})",
                published.map(|x| x.to_string()).unwrap_or_default()
            ),
            "check the date, or the criteria version evaluated against",
        ),
        Some(d) if d.saturating_add(jiff::Span::new().years(1)) < today => cx.warn(
            "evaluation-old",
            p.key("evaluated_on"),
            format!("the evaluation is more than a year old ({d})"),
            "re-evaluate so the declaration reflects the product as shipped",
        ),
        Some(_) => {}
    }
}

/// Self-declared levels: every criterion answered once, and every applicable one conforming.
fn check_items(c: &Checklist, reqs: &[Requirement], catalog: &str, cx: &mut Ctx) {
    let items_path = Path::root().key("items");
    let mut first_at: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, item) in c.items.iter().enumerate() {
        let p = items_path.index(i);
        let Some(req) = reqs.iter().find(|r| r.id == item.id) else {
            let msg = if blank(&item.id) {
                "this item has no criterion id".to_string()
            } else {
                format!("`{}` is not a criterion of {catalog}", item.id)
            };
            cx.error(
                "criterion-unknown",
                p.key("id"),
                msg,
                "remove the item or correct its id; `starmark criteria list` shows the ids",
            );
            continue;
        };
        if let Some(&first) = first_at.get(item.id.as_str()) {
            cx.error(
                "criterion-duplicate",
                p.key("id"),
                format!("{} is answered twice (also items[{first}])", item.id),
                "keep one answer per criterion",
            );
            continue;
        }
        first_at.insert(&item.id, i);
        check_item(item, req, p, cx);
    }
    for r in reqs {
        if !first_at.contains_key(r.id.as_str()) {
            cx.error(
                "criterion-missing",
                items_path.clone(),
                format!("{} ({}) is not answered", r.id, r.title.get(Lang::En)),
                format!(
                    "add an [[items]] entry with id = \"{}\"; `starmark checklist new` writes one for every criterion",
                    r.id
                ),
            );
        }
    }
}

fn check_item(item: &Item, req: &Requirement, p: Path, cx: &mut Ctx) {
    let id = &item.id;
    match (item.applicability, item.verdict) {
        (None, None) => {
            cx.error("item-unanswered", p.clone(), format!("{id} is not answered"), "set applicability (applicable | not_applicable) and, if applicable, verdict (conforms | does_not_conform | inconclusive)");
            return;
        }
        (None, Some(_)) => cx.error(
            "applicability-missing",
            p.key("applicability"),
            format!("{id} has a verdict but no applicability"),
            "set applicability = \"applicable\" (or \"not_applicable\" with a justification)",
        ),
        (Some(Applicability::Applicable), None) => cx.error(
            "verdict-missing",
            p.key("verdict"),
            format!("{id} applies but has no verdict"),
            "set verdict = \"conforms\", \"does_not_conform\" or \"inconclusive\"",
        ),
        (Some(Applicability::NotApplicable), v) => {
            if item.justification.as_deref().is_none_or(blank) {
                cx.error(
                    "justification-missing",
                    p.key("justification"),
                    format!("{id} is marked not applicable without a justification"),
                    "say why the criterion does not apply to this product",
                );
            }
            if v.is_some() {
                cx.warn(
                    "verdict-not-applicable",
                    p.key("verdict"),
                    format!("{id} is not applicable but has a verdict; the verdict is ignored"),
                    "remove the verdict",
                );
            }
            if req.applies_when.is_none() {
                cx.warn(
                    "not-applicable-unconditional",
                    p.key("applicability"),
                    format!("{id} is stated to apply to every product; not applicable needs a strong justification"),
                    "check the criterion; the scheme owner may ask about this",
                );
            }
        }
        _ => {}
    }

    let applicable = item.applicability == Some(Applicability::Applicable);
    if applicable {
        if let Some(v) = item.verdict
            && v != Verdict::Conforms
        {
            cx.error(
                "verdict-not-conforming",
                p.key("verdict"),
                format!(
                    "{id} is `{}`; a self-declaration is possible only when every applicable criterion conforms",
                    v.id()
                ),
                "fix the product and re-evaluate, or resolve the inconclusive check, before applying",
            );
        }
        check_method(item, req, &p, cx);
        if item.evidence.is_empty() {
            cx.warn("evidence-missing", p.key("evidence"), format!("{id} names no evidence"), "name the documents or findings that support the verdict; the vendor must keep them for the label's validity and show them on request");
        }
    }

    for (j, ev) in item.evidence.iter().enumerate() {
        let ep = p.key("evidence").index(j);
        match (&ev.path, &ev.sha256, &ev.finding) {
            (Some(_), Some(h), None)
                if !(h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))) =>
            {
                cx.error(
                    "evidence-malformed",
                    ep.key("sha256"),
                    "sha256 must be 64 lowercase hexadecimal characters",
                    "compute it with `sha256sum FILE`",
                )
            }
            (Some(path), Some(_), None) if blank(path) => {
                cx.error("evidence-malformed", ep.key("path"), "the evidence path is empty", "give the file's path")
            }
            (Some(_), Some(_), None) => {}
            (None, None, Some(f)) if !blank(f) => {}
            (Some(_), None, None) => cx.error(
                "evidence-malformed",
                ep.key("sha256"),
                "a file named as evidence needs its SHA-256",
                "add sha256 = \"...\" (`sha256sum FILE`) so the file can be proven unchanged later",
            ),
            _ => cx.error(
                "evidence-malformed",
                ep.clone(),
                "evidence is either a file (`path` and `sha256`) or a finding (`finding`)",
                "write { path = \"...\", sha256 = \"...\" } or { finding = \"...\" }",
            ),
        }
    }

    let mut seen = HashSet::new();
    for (j, ei) in item.evaluation_items.iter().enumerate() {
        let ep = p.key("evaluation_items").index(j);
        if !req.evaluation_items.iter().any(|x| x.id == ei.id) {
            let known: Vec<&str> = req.evaluation_items.iter().map(|x| x.id.as_str()).collect();
            let help = if known.is_empty() {
                format!("{id} has no numbered evaluation items; remove evaluation_items")
            } else {
                format!("{id}'s evaluation items are: {}", known.join(", "))
            };
            cx.error(
                "evaluation-item-unknown",
                ep.key("id"),
                format!("`{}` is not an evaluation item of {id}", ei.id),
                help,
            );
        } else if !seen.insert(ei.id.as_str()) {
            cx.error(
                "evaluation-item-duplicate",
                ep.key("id"),
                format!("evaluation item {} of {id} is answered twice", ei.id),
                "keep one answer per evaluation item",
            );
        }
    }
}

fn check_method(item: &Item, req: &Requirement, p: &Path, cx: &mut Ctx) {
    let id = &item.id;
    if item.method.is_empty() {
        cx.error(
            "method-missing",
            p.key("method"),
            format!("{id} does not say how it was evaluated"),
            format!("set method = [{}]", methods_list(&req.methods)),
        );
        return;
    }
    let used: Vec<Method> = item.method.iter().map(|&m| Method::from(m)).collect();
    let missing: Vec<Method> = req.methods.iter().copied().filter(|m| !used.contains(m)).collect();
    let device_check_required = req.methods.contains(&Method::DeviceCheck);
    match req.methods_basis {
        Some(MethodsBasis::Stated) if !missing.is_empty() => cx.error(
            "method-mismatch",
            p.key("method"),
            format!("{id} is evaluated by {}; the checklist says {}", methods_list(&req.methods), methods_list(&used)),
            if device_check_required {
                "check the real device and record the results".to_string()
            } else {
                format!("set method = [{}]", methods_list(&req.methods))
            },
        ),
        Some(MethodsBasis::Inferred | MethodsBasis::Unknown) if !missing.is_empty() => cx.warn(
            "method-differs",
            p.key("method"),
            format!(
                "{id} is likely evaluated by {} (not confirmed); the checklist says {}",
                methods_list(&req.methods),
                methods_list(&used)
            ),
            "confirm the evaluation method in the scheme's evaluation guide",
        ),
        _ => {}
    }
    let dup: HashSet<MethodUsed> = item.method.iter().copied().collect();
    if dup.len() != item.method.len() {
        cx.warn("method-duplicate", p.key("method"), format!("{id} lists a method twice"), "list each method once");
    }
}

fn methods_list(ms: &[Method]) -> String {
    ms.iter().map(|m| format!("\"{}\"", m.id())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::valid_corporate_number;

    #[test]
    fn corporate_number_check_digit() {
        assert!(valid_corporate_number("7000012050002"));
        assert!(!valid_corporate_number("8000012050002"));
        assert!(!valid_corporate_number("700001205000"));
        assert!(!valid_corporate_number("70000120500０2"));
    }
}
