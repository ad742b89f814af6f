//! The checklist as an xlsx workbook, laid out the way the scheme's
//! checklist is exchanged: the product and evaluation at the top, then one
//! row per criterion — requirement, evaluation items, applicability,
//! method, result, basis, evidence, remarks — in Japanese and English.
//!
//! [`cells`] is the sheet's content as text, cell by cell; [`write`] lays
//! it out with formats. Tests read the file back (calamine, LibreOffice)
//! and compare with the checklist.

use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};
use starmark_criteria::Lang;

use crate::{Error, Input, Outcome, evidence_line, method_label};

/// The sheet's name.
pub const SHEET: &str = "Checklist";

/// The table's column headings (Japanese / English).
pub const COLUMNS: [&str; 12] = [
    "No.",
    "要件番号 / Requirement ID",
    "分類 / Category",
    "要件 / Requirement (日本語)",
    "要件 / Requirement (English)",
    "評価項目 / Evaluation items",
    "適用 / Applicability",
    "評価方法 / Method",
    "結果 / Result",
    "判定の根拠 / Basis",
    "根拠資料 / Evidence",
    "備考 / Remarks",
];

/// Column (0-based) of the result.
pub const RESULT_COLUMN: usize = 8;

/// Both languages in one cell: `適合 / Conforms`.
fn both(ja: &str, en: &str) -> String {
    if ja == en || en.is_empty() {
        ja.to_string()
    } else if ja.is_empty() {
        en.to_string()
    } else {
        format!("{ja} / {en}")
    }
}

/// Excel holds at most 32,767 UTF-16 units in a cell.
const CELL_MAX: usize = 32_767;
const TRUNCATED: &str = " … (truncated here: the HTML report and evaluation.json have it all)";

/// `s`, cut to what a cell holds, saying so.
fn fit(s: String) -> String {
    if s.encode_utf16().count() <= CELL_MAX {
        return s;
    }
    let room = CELL_MAX - TRUNCATED.encode_utf16().count();
    let mut used = 0;
    let mut out = String::new();
    for c in s.chars() {
        used += c.len_utf16();
        if used > room {
            break;
        }
        out.push(c);
    }
    out + TRUNCATED
}

/// The sheet's content: the heading block (label, value), a blank row,
/// the column headings, and one row per criterion.
pub fn cells(input: &Input) -> Vec<Vec<String>> {
    let c = input.checklist;
    let mut out: Vec<Vec<String>> = Vec::new();
    let level = c.level.map(|l| l.to_string()).unwrap_or_default();
    out.push(vec![format!("JC-STAR {level} 適合性評価チェックリスト / Self-evaluation checklist")]);
    let mut head = |label: &str, value: String| out.push(vec![label.to_string(), value]);
    head("申請者 / Applicant", both(input.applicant_name(Lang::Ja), input.applicant_name(Lang::En)));
    head("製品名 / Product", both(input.product_name(Lang::Ja), input.product_name(Lang::En)));
    head("型番 / Model numbers", c.product.model_numbers.join(", "));
    head("適合基準 / Criteria", format!("{} {}", c.criteria.catalog, c.criteria.version));
    let ev = &c.evaluator;
    head("評価者 / Evaluator", [ev.name.as_str(), ev.category.as_str()].join(" — "));
    head("評価日 / Evaluated on", ev.evaluated_on.map(|d| d.to_string()).unwrap_or_default());
    head(
        "証拠一式 / Evidence bundle",
        c.evidence_bundle
            .as_ref()
            .map(|b| match &b.key_id {
                Some(k) => format!("manifest SHA-256 {} (key {k})", b.manifest_sha256),
                None => format!("manifest SHA-256 {}", b.manifest_sha256),
            })
            .unwrap_or_default(),
    );
    head("作成 / Made by", format!("{} at {}", input.tool, crate::timestamp(input.evaluated_at)));
    out.push(Vec::new());
    out.push(COLUMNS.iter().map(|s| s.to_string()).collect());
    for (n, row) in input.rows().iter().enumerate() {
        let item = row.item;
        let req = row.requirement;
        let text = |f: fn(&starmark_criteria::Requirement) -> Option<&starmark_criteria::Text>, lang: Lang| {
            req.and_then(f).map(|t| t.get(lang).to_string()).unwrap_or_default()
        };
        let title = |lang| {
            let t = req.map(|r| r.title.get(lang)).unwrap_or_default();
            let s = text(|r| r.summary.as_ref(), lang);
            if s.is_empty() { t.to_string() } else { format!("{t}\n{s}") }
        };
        let items: Vec<String> = req
            .map(|r| r.evaluation_items.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|e| {
                let answer = item.evaluation_items.iter().find(|a| a.id == e.id);
                let mut line =
                    format!("{}: {}", e.id, both(e.text.get(Lang::Ja), e.text.exact(Lang::En).unwrap_or("")));
                if answer.and_then(|a| a.applicability) == Some(starmark_checklist::Applicability::NotApplicable) {
                    line.push_str(" [対象外 / not applicable]");
                }
                if let Some(r) = answer.and_then(|a| a.remarks.as_deref()) {
                    line.push_str(&format!(" — {r}"));
                }
                line
            })
            .collect();
        let applicability = match item.applicability {
            Some(starmark_checklist::Applicability::Applicable) => both("適用", "Applicable"),
            Some(starmark_checklist::Applicability::NotApplicable) => both("対象外", "Not applicable"),
            None => String::new(),
        };
        let methods: Vec<String> =
            item.method.iter().map(|&m| both(method_label(m, Lang::Ja), method_label(m, Lang::En))).collect();
        let outcome = Outcome::of(item);
        let mut basis = Vec::new();
        if let Some(e) = row.evaluation {
            basis.push(format!("[{}] {}", e.decided_by, e.basis_ja));
            basis.push(e.basis.clone());
            if let Some(c) = &e.contradiction_ja {
                basis.push(format!("矛盾: {c}"));
            }
            if let Some(c) = &e.contradiction {
                basis.push(format!("CONTRADICTION: {c}"));
            }
            basis.extend(e.attention_ja.iter().map(|a| format!("要確認: {a}")));
            basis.extend(e.attention.iter().map(|a| format!("Attention: {a}")));
        }
        let mut remarks = Vec::new();
        if let Some(j) = &item.justification {
            remarks.push(format!("対象外の理由 / Why not applicable: {j}"));
        }
        if let Some(r) = &item.remarks {
            remarks.push(r.clone());
        }
        out.push(vec![
            (n + 1).to_string(),
            item.id.clone(),
            req.and_then(|r| r.category.as_ref())
                .map(|t| both(t.get(Lang::Ja), t.exact(Lang::En).unwrap_or("")))
                .unwrap_or_default(),
            title(Lang::Ja),
            title(Lang::En),
            items.join("\n"),
            applicability,
            methods.join("\n"),
            both(outcome.label(Lang::Ja), outcome.label(Lang::En)),
            basis.join("\n"),
            item.evidence.iter().map(evidence_line).collect::<Vec<_>>().join("\n"),
            remarks.join("\n"),
        ]);
    }
    for row in &mut out {
        for cell in row.iter_mut() {
            *cell = fit(std::mem::take(cell));
        }
    }
    out
}

/// Column widths, in characters.
const WIDTHS: [f64; 12] = [5.0, 12.0, 18.0, 40.0, 40.0, 30.0, 14.0, 16.0, 16.0, 50.0, 50.0, 30.0];

/// The workbook's bytes. Byte-identical for the same input: the file's
/// creation time is the evaluation's.
pub fn write(input: &Input) -> Result<Vec<u8>, Error> {
    let cells = cells(input);
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_timestamp(input.evaluated_at.as_second())?;
    book.set_properties(
        &DocProperties::new()
            .set_title(cells.first().and_then(|r| r.first()).cloned().unwrap_or_default())
            .set_author(input.tool)
            .set_creation_datetime(&created),
    );
    let sheet = book.add_worksheet();
    sheet.set_name(SHEET)?;
    let title = Format::new().set_bold().set_font_size(14);
    let label = Format::new().set_bold();
    let heading = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(Color::RGB(0xD9E1F2))
        .set_border(FormatBorder::Thin);
    let body = Format::new().set_text_wrap().set_align(FormatAlign::Top).set_border(FormatBorder::Thin);
    let result = |o: &str| {
        let color = if o.starts_with(Outcome::Conforms.label(Lang::Ja)) {
            0xE2EFDA
        } else if o.starts_with(Outcome::DoesNotConform.label(Lang::Ja)) {
            0xF8CBAD
        } else if o.starts_with(Outcome::Inconclusive.label(Lang::Ja))
            || o.starts_with(Outcome::Unanswered.label(Lang::Ja))
        {
            0xFFE699
        } else {
            0xEDEDED
        };
        body.clone().set_bold().set_background_color(Color::RGB(color))
    };
    let table_start = cells.iter().position(|r| r.first().map(String::as_str) == COLUMNS.first().copied());
    for (r, row) in cells.iter().enumerate() {
        let r32 = u32::try_from(r).unwrap_or(u32::MAX);
        let in_table = table_start.is_some_and(|t| r >= t);
        for (c, text) in row.iter().enumerate() {
            let c16 = u16::try_from(c).unwrap_or(u16::MAX);
            let format = match (r, in_table, c) {
                (0, _, _) => &title,
                (_, false, 0) => &label,
                (_, false, _) => &Format::new(),
                _ if Some(r) == table_start => &heading,
                (_, true, RESULT_COLUMN) => &result(text),
                _ => &body,
            };
            sheet.write_string_with_format(r32, c16, text, format)?;
        }
    }
    for (c, w) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(u16::try_from(c).unwrap_or(u16::MAX), *w)?;
    }
    if let Some(t) = table_start {
        let t = u32::try_from(t).unwrap_or(u32::MAX);
        let last = u32::try_from(cells.len().saturating_sub(1)).unwrap_or(u32::MAX);
        sheet.set_freeze_panes(t + 1, 2)?;
        sheet.autofilter(t, 0, last, u16::try_from(COLUMNS.len() - 1).unwrap_or(0))?;
    }
    Ok(book.save_to_buffer()?)
}
