//! The evaluation as a self-contained HTML page, one per language: the
//! product and evaluation, a count per outcome, and every criterion with
//! its result, how it was decided, contradictions, evidence and remarks.
//! Inline style only, no script, nothing fetched: it opens from a folder or
//! an e-mail attachment the same way.

use askama::Template;
use starmark_criteria::Lang;

use crate::{Error, Input, Outcome, evidence_line, method_label};

struct Texts {
    title: &'static str,
    applicant: &'static str,
    product: &'static str,
    models: &'static str,
    level: &'static str,
    criteria: &'static str,
    evaluator: &'static str,
    evaluated_on: &'static str,
    made_at: &'static str,
    evidence: &'static str,
    no_evidence: &'static str,
    summary: &'static str,
    contradictions: &'static str,
    criteria_heading: &'static str,
    id: &'static str,
    requirement: &'static str,
    result: &'static str,
    basis: &'static str,
    evidence_col: &'static str,
    remarks: &'static str,
    contradiction: &'static str,
    attention: &'static str,
    footer: &'static str,
}

const JA: Texts = Texts {
    title: "適合性評価の結果",
    applicant: "申請者",
    product: "製品名",
    models: "型番",
    level: "申請レベル",
    criteria: "適合基準",
    evaluator: "評価者",
    evaluated_on: "評価日",
    made_at: "作成日時",
    evidence: "証拠一式（マニフェストの SHA-256）",
    no_evidence: "なし",
    summary: "概要",
    contradictions: "申請者の回答と実機の結果の矛盾",
    criteria_heading: "要件ごとの結果",
    id: "要件番号",
    requirement: "要件",
    result: "結果",
    basis: "判定の根拠",
    evidence_col: "根拠資料",
    remarks: "備考",
    contradiction: "矛盾",
    attention: "要確認",
    footer: "証拠一式は評価者の鍵で署名されています。`starmark evidence verify` で、この結果が用いた証拠であることを確認できます。",
};

const EN: Texts = Texts {
    title: "Evaluation results",
    applicant: "Applicant",
    product: "Product",
    models: "Model numbers",
    level: "Level applied for",
    criteria: "Criteria",
    evaluator: "Evaluator",
    evaluated_on: "Evaluated on",
    made_at: "Made at",
    evidence: "Evidence bundle (SHA-256 of its manifest)",
    no_evidence: "none",
    summary: "Summary",
    contradictions: "Contradictions between the vendor's answers and the device",
    criteria_heading: "Results by criterion",
    id: "Criterion",
    requirement: "Requirement",
    result: "Result",
    basis: "Basis",
    evidence_col: "Evidence",
    remarks: "Remarks",
    contradiction: "Contradiction",
    attention: "Attention",
    footer: "The evidence bundle is signed with the evaluator's key; `starmark evidence verify` confirms it is the evidence these results used.",
};

struct RowView {
    id: String,
    title: String,
    methods: String,
    outcome: &'static str,
    outcome_class: &'static str,
    basis: String,
    contradiction: String,
    attention: Vec<String>,
    evidence: Vec<String>,
    remarks: String,
}

#[derive(Template)]
#[template(path = "evaluation.html")]
struct Page {
    lang: &'static str,
    t: &'static Texts,
    tool: String,
    product: String,
    applicant: String,
    models: String,
    level: String,
    criteria: String,
    evaluator: String,
    evaluated_on: String,
    made_at: String,
    evidence: String,
    /// (class, label, count) per outcome present.
    summary: Vec<(&'static str, &'static str, usize)>,
    contradictions: usize,
    rows: Vec<RowView>,
}

/// The Japanese text on the Japanese page when there is one, else the English.
fn pick<'a>(lang: Lang, en: &'a str, ja: &'a str) -> &'a str {
    if lang == Lang::Ja && !ja.is_empty() { ja } else { en }
}

/// The page in `lang`.
pub fn page(input: &Input, lang: Lang) -> Result<String, Error> {
    let c = input.checklist;
    let rows: Vec<RowView> = input
        .rows()
        .iter()
        .map(|r| {
            let outcome = Outcome::of(r.item);
            let mut remarks = Vec::new();
            if let Some(j) = &r.item.justification {
                remarks.push(j.clone());
            }
            if let Some(x) = &r.item.remarks {
                remarks.push(x.clone());
            }
            RowView {
                id: r.item.id.clone(),
                title: r.requirement.map(|q| q.title.get(lang).to_string()).unwrap_or_default(),
                methods: r.item.method.iter().map(|&m| method_label(m, lang)).collect::<Vec<_>>().join(", "),
                outcome: outcome.label(lang),
                outcome_class: outcome.id(),
                basis: r.evaluation.map(|e| pick(lang, &e.basis, &e.basis_ja).to_string()).unwrap_or_default(),
                contradiction: r
                    .evaluation
                    .and_then(|e| match (lang, &e.contradiction_ja) {
                        (Lang::Ja, Some(ja)) if !ja.is_empty() => Some(ja.clone()),
                        _ => e.contradiction.clone(),
                    })
                    .unwrap_or_default(),
                attention: r
                    .evaluation
                    .map(|e| {
                        if lang == Lang::Ja && e.attention_ja.len() == e.attention.len() {
                            e.attention_ja.clone()
                        } else {
                            e.attention.clone()
                        }
                    })
                    .unwrap_or_default(),
                evidence: r.item.evidence.iter().map(evidence_line).collect(),
                remarks: remarks.join(" "),
            }
        })
        .collect();
    let all = [
        Outcome::Conforms,
        Outcome::DoesNotConform,
        Outcome::Inconclusive,
        Outcome::Unanswered,
        Outcome::NotApplicable,
    ];
    let summary = all
        .iter()
        .map(|&o| (o.id(), o.label(lang), c.items.iter().filter(|i| Outcome::of(i) == o).count()))
        .filter(|s| s.2 > 0)
        .collect();
    let evidence = c
        .evidence_bundle
        .as_ref()
        .map(|b| match &b.key_id {
            Some(k) => format!("{} (key {k})", b.manifest_sha256),
            None => b.manifest_sha256.clone(),
        })
        .unwrap_or_default();
    let page = Page {
        lang: lang.code(),
        t: if lang == Lang::Ja { &JA } else { &EN },
        tool: input.tool.to_string(),
        product: input.product_name(lang).to_string(),
        applicant: input.applicant_name(lang).to_string(),
        models: c.product.model_numbers.join(", "),
        level: c.level.map(|l| l.to_string()).unwrap_or_default(),
        criteria: format!("{} {}", c.criteria.catalog, c.criteria.version),
        evaluator: c.evaluator.name.clone(),
        evaluated_on: c.evaluator.evaluated_on.map(|d| d.to_string()).unwrap_or_default(),
        made_at: crate::timestamp(input.evaluated_at),
        evidence,
        summary,
        contradictions: input.evaluation.contradictions,
        rows,
    };
    Ok(page.render()?)
}
