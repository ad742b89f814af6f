//! Text in the scheme's two languages.

use serde::{Deserialize, Serialize};

/// A language the scheme publishes in. Japanese comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::Ja => "Japanese",
            Lang::En => "English",
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ja" => Ok(Lang::Ja),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language `{other}` (expected `ja` or `en`)")),
        }
    }
}

/// A short text with a Japanese and an English version; either may be
/// missing in data that declares only one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Text {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Text {
        Text { ja: Some(ja.into()), en: Some(en.into()) }
    }

    pub fn en(en: impl Into<String>) -> Text {
        Text { ja: None, en: Some(en.into()) }
    }

    /// The text in `lang`, else in the other language, else "".
    pub fn get(&self, lang: Lang) -> &str {
        let (first, second) = match lang {
            Lang::Ja => (&self.ja, &self.en),
            Lang::En => (&self.en, &self.ja),
        };
        first.as_deref().or(second.as_deref()).unwrap_or("")
    }

    /// The text in exactly `lang`, if present and not blank.
    pub fn exact(&self, lang: Lang) -> Option<&str> {
        let s = match lang {
            Lang::Ja => self.ja.as_deref(),
            Lang::En => self.en.as_deref(),
        };
        s.filter(|s| !s.trim().is_empty())
    }

    /// Whether no language has any non-blank text.
    pub fn is_blank(&self) -> bool {
        Lang::ALL.iter().all(|&l| self.exact(l).is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_the_other_language() {
        let t = Text::en("hello");
        assert_eq!(t.get(Lang::Ja), "hello");
        assert_eq!(t.exact(Lang::Ja), None);
        assert!(!t.is_blank());
        assert!(Text { ja: Some("  ".into()), en: None }.is_blank());
    }
}
