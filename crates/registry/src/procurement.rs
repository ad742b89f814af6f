//! The procurement check: for each line of a buyer's list (a model number
//! or a label ID), whether a valid label at the level the buyer's system
//! needs exists, and if not, why.

use serde::Serialize;
use starmark_criteria::Level;

use crate::label_id::{LabelId, LabelIdError};
use crate::model::{LabelState, LabelStatus};
use crate::service::Registry;
use crate::store::LabelQuery;
use crate::{ErrorKind, RegistryError};

/// Most lines one check takes.
pub const MAX_LINES: usize = 5_000;

/// Most labels read for one model number.
const MAX_SAME_MODEL: usize = 10_000;

/// Most mistyped label IDs in one check that get "did you mean" suggestions.
pub const MAX_SUGGESTED_LINES: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineResult {
    /// 1-based line number in the input.
    pub line: usize,
    pub input: String,
    /// Whether a valid label at the required level covers it.
    pub ok: bool,
    /// The label that decided the answer, if one was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<LabelStatus>,
    /// Stable reason code: `ok`, `no-label`, `level-too-low`, `expired`,
    /// `revoked`, `mistyped-label-id`.
    pub reason: &'static str,
    /// The reason in words (English).
    pub detail: String,
}

impl Registry {
    /// Checks each item against `minimum` level. Items are model numbers
    /// (matched exactly, ignoring case) or label IDs.
    pub async fn procurement_check(
        &self,
        items: &[(usize, String)],
        minimum: Level,
    ) -> Result<Vec<LineResult>, RegistryError> {
        if items.len() > MAX_LINES {
            return Err(RegistryError::invalid(
                format!("{} lines; at most {MAX_LINES} are checked at once", items.len()),
                Vec::new(),
            ));
        }
        let today = self.today();
        let mut out: Vec<LineResult> = Vec::with_capacity(items.len());
        // A list names the same item many times (one line per order):
        // each is looked up once.
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mut suggestions_left = MAX_SUGGESTED_LINES;
        for (line, input) in items {
            let input = input.trim().to_string();
            if let Some(r) = seen.get(&input).and_then(|&i| out.get(i)) {
                let r = LineResult { line: *line, ..r.clone() };
                out.push(r);
                continue;
            }
            let r = self.check_line(*line, input.clone(), minimum, today, &mut suggestions_left).await?;
            seen.insert(input, out.len());
            out.push(r);
        }
        Ok(out)
    }

    async fn check_line(
        &self,
        line: usize,
        input: String,
        minimum: Level,
        today: jiff::civil::Date,
        suggestions_left: &mut usize,
    ) -> Result<LineResult, RegistryError> {
        let candidates: Vec<LabelState> = match input.parse::<LabelId>() {
            Ok(id) => match self.label(id).await {
                Ok(l) => vec![l],
                Err(e) if e.kind == ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e),
            },
            Err(LabelIdError::Check(_)) => {
                // Each suggestion costs a lookup per near miss (about 140):
                // only so many lines of one list get them.
                let mut meant = Vec::new();
                if *suggestions_left > 0 {
                    *suggestions_left -= 1;
                    for id in LabelId::near_misses(&input) {
                        if self.label(id).await.is_ok() {
                            meant.push(id.to_string());
                        }
                    }
                }
                return Ok(LineResult {
                    line,
                    input,
                    ok: false,
                    label: None,
                    level: None,
                    status: None,
                    reason: "mistyped-label-id",
                    detail: if meant.is_empty() {
                        "the label ID's check character does not match: the ID is mistyped".into()
                    } else {
                        format!("the label ID is mistyped; did you mean {}?", meant.join(" or "))
                    },
                });
            }
            Err(_) => {
                let wanted = normalize_model(&input);
                // Labels with the model number exactly (a whole line of
                // their search text), every page of them: a label that is
                // not among the first page is no less there.
                let mut found = Vec::new();
                loop {
                    let page = self
                        .labels(LabelQuery {
                            q: None,
                            model: Some(wanted.clone()),
                            level: None,
                            status: None,
                            category: None,
                            vendor: None,
                            today,
                            offset: u32::try_from(found.len()).unwrap_or(u32::MAX),
                            limit: 200,
                        })
                        .await?;
                    let got = page.items.len();
                    found.extend(page.items);
                    // (No model number is on more than a few labels; the
                    // cap keeps a pathological one bounded.)
                    if got == 0 || found.len() as u64 >= page.total || found.len() >= MAX_SAME_MODEL {
                        break;
                    }
                }
                found
                    .into_iter()
                    .filter(|l| l.public.model_numbers.iter().any(|m| normalize_model(m) == wanted))
                    .collect()
            }
        };
        Ok(judge(line, input, candidates, minimum, today))
    }
}

/// A model number as it is compared: Unicode NFKC (full-width letters and
/// digits typed through a Japanese input method become ASCII: `ＨＣ－２００`
/// is `HC-200`), dash-like characters as `-` (an input method's `ー`, `‐`,
/// `−`), lowercase, trimmed.
pub fn normalize_model(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    s.trim()
        .nfkc()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF70}' | '\u{FE63}' => '-',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// The best label for a line: a valid one at the required level if any,
/// else the closest miss, so the reason is the most useful one.
fn judge(
    line: usize,
    input: String,
    mut labels: Vec<LabelState>,
    minimum: Level,
    today: jiff::civil::Date,
) -> LineResult {
    let rank = |l: &LabelState| match l.status_on(today) {
        LabelStatus::Valid if l.level >= minimum => 0,
        LabelStatus::Valid => 1,
        LabelStatus::Expired => 2,
        LabelStatus::Revoked => 3,
    };
    labels.sort_by_key(|l| (rank(l), std::cmp::Reverse(l.level), l.id));
    let Some(l) = labels.first() else {
        return LineResult {
            line,
            input,
            ok: false,
            label: None,
            level: None,
            status: None,
            reason: "no-label",
            detail: "no label in the registry covers this model number or ID".into(),
        };
    };
    let status = l.status_on(today);
    let (ok, reason, detail) = match status {
        LabelStatus::Valid if l.level >= minimum => {
            (true, "ok", format!("{} label {} is valid through {}", l.level, l.id, l.expires_on))
        }
        LabelStatus::Valid => (
            false,
            "level-too-low",
            format!("{} label {} is valid, but {minimum} or higher is required", l.level, l.id),
        ),
        LabelStatus::Expired => (false, "expired", format!("label {} expired after {}", l.id, l.expires_on)),
        LabelStatus::Revoked => (false, "revoked", format!("label {} is revoked", l.id)),
    };
    LineResult {
        line,
        input,
        ok,
        label: Some(l.id.to_string()),
        level: Some(l.level),
        status: Some(status),
        reason,
        detail,
    }
}

/// Reads the items of a buyer's CSV: the first column of each non-empty
/// line; a first line whose first cell is not an ID or model-number-like
/// header (`model`, `model_number`, `label`, `label_id`, `item`, `型番`) is
/// kept as data. Quoted cells are unquoted.
pub fn items_from_csv(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let cell = first_cell(raw);
        if cell.is_empty() {
            continue;
        }
        if n == 0
            && [
                "model",
                "model_number",
                "model number",
                "label",
                "label_id",
                "label id",
                "item",
                "型番",
                "ラベル識別番号",
            ]
            .contains(&cell.to_lowercase().as_str())
        {
            continue;
        }
        out.push((n + 1, cell));
    }
    out
}

fn first_cell(line: &str) -> String {
    let line = line.trim_start_matches('\u{feff}').trim();
    if let Some(rest) = line.strip_prefix('"') {
        let mut cell = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cell.push('"');
                    chars.next();
                } else {
                    break;
                }
            } else {
                cell.push(c);
            }
        }
        cell.trim().to_string()
    } else {
        line.split([',', '\t', ';']).next().unwrap_or("").trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_first_column_with_or_without_header() {
        let items = items_from_csv("model_number,qty\nHC-200,3\n\"AB-1, rev \"\"2\"\"\",1\n\n\u{feff}X-9\t2\n");
        assert_eq!(items, vec![(2, "HC-200".into()), (3, "AB-1, rev \"2\"".into()), (5, "X-9".into())]);
        assert_eq!(items_from_csv("HC-200\n"), vec![(1, "HC-200".into())]);
    }
}
