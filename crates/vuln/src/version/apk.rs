//! Alpine's version ordering, as apk-tools 3 compares versions
//! (`src/version.c`: `digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}`).
//!
//! Written here rather than taken from a crate: none found implements it
//! (`alpkit` reads packages, `apk-tools-sys` binds the C library), and the
//! algorithm is small. The rules, from `version.c`:
//!
//! - a version starts with a number; then `.number`s, one lowercase letter,
//!   `_suffix`es each with an optional number, a `~` commit hash (lowercase
//!   hex) and a `-rN` revision, in that order;
//! - suffixes `alpha` < `beta` < `pre` < `rc` sort before the release,
//!   `cvs` < `svn` < `git` < `hg` < `p` after it;
//! - numbers compare numerically, except a `.number` with a leading zero on
//!   either side: those compare as strings (`1.02` < `1.1`, `8.2.0` <
//!   `8.2.001`);
//! - where the two versions differ in the kind of the next part, a
//!   pre-release suffix is lowest, then the end, then (from lowest) a
//!   revision, a hash, a suffix number, a post-release suffix, a letter and
//!   a `.number`.
//!
//! Strict: what apk-tools calls invalid is an error (apk itself then compares
//! only up to the invalid part), and so is a number past 2^64, which apk-tools
//! would wrap.

use std::cmp::Ordering;

/// A version in apk's ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApkVersion(Vec<Token>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// The first number: `006` is 6.
    Initial(u64),
    Digits(Digits),
    Letter(u8),
    Suffix(Suffix),
    SuffixNumber(u64),
    Hash(Box<str>),
    Revision(u64),
}

/// A `.number`: one with a leading zero compares as a string, and so below
/// every number without one (`0` sorts before `1`–`9`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Digits {
    Zeroed(Box<str>),
    Number(u64),
}

/// In apk's order; the release itself sits between `Rc` and `Cvs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Suffix {
    Alpha,
    Beta,
    Pre,
    Rc,
    Cvs,
    Svn,
    Git,
    Hg,
    P,
}

impl Suffix {
    fn named(name: &[u8]) -> Option<Suffix> {
        Some(match name {
            b"alpha" => Suffix::Alpha,
            b"beta" => Suffix::Beta,
            b"pre" => Suffix::Pre,
            b"rc" => Suffix::Rc,
            b"cvs" => Suffix::Cvs,
            b"svn" => Suffix::Svn,
            b"git" => Suffix::Git,
            b"hg" => Suffix::Hg,
            b"p" => Suffix::P,
            _ => return None,
        })
    }
}

// Token kinds in `version.c`'s order; `END` is the end of the version.
const INITIAL: u8 = 0;
const DIGITS: u8 = 1;
const LETTER: u8 = 2;
const SUFFIX: u8 = 3;
const SUFFIX_NUMBER: u8 = 4;
const HASH: u8 = 5;
const REVISION: u8 = 6;
const END: u8 = 7;

impl Token {
    fn kind(&self) -> u8 {
        match self {
            Token::Initial(_) => INITIAL,
            Token::Digits(_) => DIGITS,
            Token::Letter(_) => LETTER,
            Token::Suffix(_) => SUFFIX,
            Token::SuffixNumber(_) => SUFFIX_NUMBER,
            Token::Hash(_) => HASH,
            Token::Revision(_) => REVISION,
        }
    }

    fn is_pre_release(&self) -> bool {
        matches!(self, Token::Suffix(s) if *s <= Suffix::Rc)
    }

    /// Compares two tokens of the same kind.
    fn cmp_value(&self, other: &Token) -> Ordering {
        match (self, other) {
            (Token::Initial(a), Token::Initial(b))
            | (Token::SuffixNumber(a), Token::SuffixNumber(b))
            | (Token::Revision(a), Token::Revision(b)) => a.cmp(b),
            (Token::Digits(a), Token::Digits(b)) => a.cmp(b),
            (Token::Letter(a), Token::Letter(b)) => a.cmp(b),
            (Token::Suffix(a), Token::Suffix(b)) => a.cmp(b),
            (Token::Hash(a), Token::Hash(b)) => a.cmp(b),
            _ => self.kind().cmp(&other.kind()),
        }
    }
}

impl ApkVersion {
    /// Reads a version as `apk_version_validate` does, or says why not.
    pub fn parse(v: &str) -> Result<ApkVersion, String> {
        let mut rest = v.as_bytes();
        let first = take(&mut rest, |c| c.is_ascii_digit());
        if first.is_empty() {
            return Err("it does not start with a number".into());
        }
        let mut tokens = vec![Token::Initial(number(first)?)];
        let mut last = INITIAL;
        while let Some(&c) = rest.first() {
            let at = v.get(v.len() - rest.len()..).unwrap_or_default();
            let token = match c {
                b'a'..=b'z' if last <= DIGITS => {
                    skip(&mut rest, 1);
                    Token::Letter(c)
                }
                b'.' if last <= DIGITS => {
                    skip(&mut rest, 1);
                    let digits = take(&mut rest, |c| c.is_ascii_digit());
                    match digits.first() {
                        None => return Err(format!("no number after the dot at {at:?}")),
                        Some(b'0') => Token::Digits(Digits::Zeroed(String::from_utf8_lossy(digits).into())),
                        Some(_) => Token::Digits(Digits::Number(number(digits)?)),
                    }
                }
                b'0'..=b'9' if last == SUFFIX => Token::SuffixNumber(number(take(&mut rest, |c| c.is_ascii_digit()))?),
                b'_' if last <= SUFFIX_NUMBER => {
                    skip(&mut rest, 1);
                    let name = take(&mut rest, |c| c.is_ascii_lowercase());
                    Token::Suffix(Suffix::named(name).ok_or_else(|| format!("unknown suffix at {at:?}"))?)
                }
                b'~' if last < HASH => {
                    skip(&mut rest, 1);
                    let hash = take(&mut rest, |c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
                    if hash.is_empty() {
                        return Err(format!("no hexadecimal hash at {at:?}"));
                    }
                    Token::Hash(String::from_utf8_lossy(hash).into())
                }
                b'-' if last < REVISION && rest.starts_with(b"-r") => {
                    skip(&mut rest, 2);
                    let digits = take(&mut rest, |c| c.is_ascii_digit());
                    if digits.is_empty() {
                        return Err(format!("no revision number at {at:?}"));
                    }
                    Token::Revision(number(digits)?)
                }
                _ => return Err(format!("cannot read {at:?} there")),
            };
            last = token.kind();
            tokens.push(token);
        }
        Ok(ApkVersion(tokens))
    }
}

/// `apk_version_compare`: token by token while the kinds agree, then by the
/// kind of the first differing part.
impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let (mut a, mut b) = (self.0.iter(), other.0.iter());
        loop {
            let (x, y) = (a.next(), b.next());
            if let (Some(x), Some(y)) = (x, y)
                && x.kind() == y.kind()
            {
                match x.cmp_value(y) {
                    Ordering::Equal => continue,
                    decided => return decided,
                }
            }
            if x.is_some_and(Token::is_pre_release) {
                return Ordering::Less;
            }
            if y.is_some_and(Token::is_pre_release) {
                return Ordering::Greater;
            }
            // The later kind (the end latest of all) sorts first.
            let kind = |t: Option<&Token>| t.map_or(END, Token::kind);
            return kind(y).cmp(&kind(x));
        }
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Splits off the leading bytes that match.
fn take<'a>(rest: &mut &'a [u8], matches: impl Fn(u8) -> bool) -> &'a [u8] {
    let n = rest.iter().position(|&c| !matches(c)).unwrap_or(rest.len());
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    head
}

fn skip(rest: &mut &[u8], n: usize) {
    *rest = rest.get(n..).unwrap_or_default();
}

fn number(digits: &[u8]) -> Result<u64, String> {
    digits
        .iter()
        .try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
        .ok_or_else(|| format!("{} is too large a number", String::from_utf8_lossy(digits)))
}
