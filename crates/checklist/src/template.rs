//! A blank checklist for the current catalog of a level, with guidance.

use starmark_criteria::{Catalog, CatalogSet, Lang, Level, MethodsBasis, Requirement};

use crate::model::{Checklist, CriteriaRef, FORMAT, Item, MethodUsed};
use crate::parse::Encoding;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    #[error("there is no current criteria catalog for {0}; `starmark criteria list` shows what is available")]
    NoCatalog(Level),
    #[error("cannot write the template as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A blank checklist for `level` against its current catalog. In TOML every
/// criterion carries its requirement and the evidence to keep as comments;
/// JSON, which has no comments, carries the same skeleton.
pub fn template(catalogs: &CatalogSet, level: Level, encoding: Encoding) -> Result<String, TemplateError> {
    let catalog = catalogs.current_for_level(level).ok_or(TemplateError::NoCatalog(level))?;
    match encoding {
        Encoding::Toml => Ok(toml_template(catalogs, catalog, level)),
        Encoding::Json => {
            let c = Checklist {
                format: FORMAT.into(),
                level: Some(level),
                criteria: CriteriaRef { catalog: catalog.id().into(), version: catalog.version().into() },
                items: catalog
                    .requirements
                    .iter()
                    .map(|r| Item {
                        id: r.id.clone(),
                        method: r.methods.iter().map(|&m| MethodUsed::from(m)).collect(),
                        ..Item::default()
                    })
                    .collect(),
                ..Checklist::default()
            };
            let mut s = serde_json::to_string_pretty(&c)?;
            s.push('\n');
            Ok(s)
        }
    }
}

/// A TOML basic string with every needed escape.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn comment_block(out: &mut String, text: &str) {
    for line in text.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
}

fn toml_template(catalogs: &CatalogSet, catalog: &Catalog, level: Level) -> String {
    let mut s = String::new();
    let evaluators = catalogs.scheme.level(level).map(|l| l.evaluators.join(" | ")).unwrap_or_default();
    s.push_str(&format!(
        "# starmark self-evaluation checklist ({FORMAT})\n\
         # {} / {}\n\
         # Fill in every field, answer every criterion, then run:\n\
         #     starmark checklist check THIS_FILE\n\
         # Field reference: docs/checklist.md. Evidence stays with the vendor, who must\n\
         # keep it for the label's validity and show it to the scheme owner on request.\n\n",
        catalog.catalog.title.get(Lang::Ja),
        catalog.catalog.title.get(Lang::En),
    ));
    s.push_str(&format!("format = {}\nlevel = {}\n", q(FORMAT), q(level.id())));
    if catalogs.scheme.level(level).is_some_and(|l| l.requires_category) {
        let cats: Vec<&str> = catalogs.scheme.product_categories.iter().map(|c| c.id.as_str()).collect();
        s.push_str(&format!("category = \"\"  # one of: {}\n", cats.join(" | ")));
    }
    s.push_str("# requested_validity_months = 12  # optional: shorter than the maximum validity\n\n");
    s.push_str(&format!("[criteria]\ncatalog = {}\nversion = {}\n\n", q(catalog.id()), q(catalog.version())));
    s.push_str(
        "[applicant]\n\
         # The label applicant (the IoT product vendor), shown on the product page.\n\
         name = { ja = \"\", en = \"\" }\n\
         # corporate_number = \"\"  # Japanese corporate number (13 digits), if any\n\
         contact = \"\"  # for the scheme owner; not published\n\n\
         [product]\n\
         name = { ja = \"\", en = \"\" }\n\
         model_numbers = []  # every model number the label covers\n\
         overview = { ja = \"\", en = \"\" }\n\
         url = \"https://\"  # the product's web page\n\
         inquiry_contact = \"\"  # published: where buyers send product questions\n\
         # other_certifications = [{ scheme = \"UK PSTI\", number = \"\" }]\n\n\
         [product.manufacturer]\n\
         name = \"\"\n\
         # disclose = true  # required choice: true publishes the name on the product page\n\n\
         [product.country_of_manufacture]\n\
         code = \"\"  # ISO 3166-1 alpha-2, e.g. \"JP\"\n\
         # disclose = true  # required choice: true publishes it on the product page\n\n",
    );
    s.push_str(&format!(
        "[evaluator]\n\
         category = \"vendor\"  # one of: {evaluators}\n\
         name = \"\"\n\
         # qualification = \"\"  # required for qualified individuals\n\
         # accreditation = \"\"  # required for testing service providers and test laboratories\n\
         # evaluated_on = 2026-01-31  # the date the evaluation was completed\n\n"
    ));
    for r in &catalog.requirements {
        item_block(&mut s, r);
    }
    s
}

fn item_block(s: &mut String, r: &Requirement) {
    s.push_str("# ------------------------------------------------------------------------\n");
    comment_block(s, &format!("{}  {}", r.id, r.title.get(Lang::Ja)));
    comment_block(s, &format!("{}  {}", r.id, r.title.get(Lang::En)));
    if let Some(sm) = &r.summary {
        comment_block(s, &format!("要件: {}", sm.get(Lang::Ja)));
        comment_block(s, &format!("Requirement: {}", sm.get(Lang::En)));
    }
    if let Some(a) = &r.applies_when {
        comment_block(s, &format!("Applies when: {} / {}", a.get(Lang::En), a.get(Lang::Ja)));
    }
    let methods: Vec<&str> = r.methods.iter().map(|m| m.id()).collect();
    let basis = match r.methods_basis {
        Some(MethodsBasis::Stated) => "stated by the scheme",
        Some(MethodsBasis::Inferred) => "inferred, not confirmed",
        _ => "NOT CONFIRMED",
    };
    comment_block(
        s,
        &format!("Method: {} ({basis})", if methods.is_empty() { "unknown".to_string() } else { methods.join(" + ") }),
    );
    if let Some(g) = &r.guidance {
        comment_block(s, &format!("Evidence to keep: {}", g.get(Lang::En)));
        comment_block(s, &format!("保管する根拠: {}", g.get(Lang::Ja)));
    }
    if !r.evaluation_items.is_empty() {
        let items: Vec<String> =
            r.evaluation_items.iter().map(|e| format!("{}: {}", e.id, e.text.get(Lang::En))).collect();
        comment_block(s, &format!("Evaluation items (mark those that apply): {}", items.join("; ")));
    }
    if let Some(n) = &r.note {
        comment_block(s, &format!("NOTE: {}", n.get(Lang::En)));
    }
    s.push_str(&format!("[[items]]\nid = {}\n", q(&r.id)));
    if methods.is_empty() {
        s.push_str("method = []  # document | device_check\n");
    } else {
        s.push_str(&format!("method = [{}]\n", methods.iter().map(|m| q(m)).collect::<Vec<_>>().join(", ")));
    }
    s.push_str(
        "# applicability = \"applicable\"  # applicable | not_applicable\n\
         # justification = \"\"  # required when not_applicable\n\
         # verdict = \"conforms\"  # conforms | does_not_conform | inconclusive\n\
         evidence = []  # { path = \"...\", sha256 = \"...\" } or { finding = \"...\" }\n\
         # remarks = \"\"\n",
    );
    for e in &r.evaluation_items {
        s.push_str(&format!("# [[items.evaluation_items]]\n# id = {}\n# applicability = \"applicable\"\n", q(&e.id)));
    }
    s.push('\n');
}
