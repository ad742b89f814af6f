//! Maven's version ordering: `ComparableVersion` of maven-artifact as
//! released in Maven 3.8.7 and 3.9, the ordering Maven resolves version
//! ranges with and the POM reference's "Version Order Specification"
//! describes.
//!
//! Written here rather than taken from a crate: the one crate on crates.io
//! that ports `ComparableVersion` (`mvn_version`, no release since 2021)
//! predates Maven's MNG-7644 fix of 2022. The rules, from
//! `ComparableVersion.java`:
//!
//! - the version is lowercased and split into items at `.`, at `-` and
//!   where digits and other characters meet; a `-` or such a transition
//!   opens a sub-list, so `1.0-rc1` is `[1, 0, [rc, [1]]]`, and a qualifier
//!   after a `.` is read as after a `-` (`1.0.0.RC1` as `1.0.0-RC1`);
//! - qualifiers: `alpha` (`a` before a number) < `beta` (`b`) < `milestone`
//!   (`m`) < `rc` = `cr` < `snapshot` < release (`""` = `ga` = `final` =
//!   `release`) < `sp` < any other qualifier, those in lexical order;
//! - trailing zeros and release qualifiers are trimmed in every list
//!   (`1` = `1.0` = `1.0.0` = `1-ga` = `1.0-final`);
//! - items compare pairwise, a missing item as null: numbers numerically
//!   and above everything else, then sub-lists, then qualifiers.
//!
//! Maven 4 reorders some mixes of qualifier and number (MNG-7559); this is
//! Maven 3's order.
//!
//! Strict where Maven itself reads anything: the version must start with a
//! digit ("LATEST" and "RELEASE" are not versions), be printable ASCII
//! (Java's Unicode case folding and digits are not reproduced) and at most
//! 256 characters, Maven 4's own bound. And refused are the few forms
//! Maven orders inconsistently (`1 < 1.foo-1 < 1-alpha < 1` in Maven
//! 3.8.7): a qualifier between a `.` and a `.` or `-`, and a pre-release
//! after a trimmed `-0` or `-ga` (`1-0.alpha`); see `transitive`.

use std::cmp::Ordering;

/// A version in Maven's ordering: the parsed, trimmed item list.
#[derive(Debug, Clone)]
pub struct MavenVersion(Vec<Item>);

#[derive(Debug, Clone)]
enum Item {
    /// Digits without leading zeros; zero is `0`.
    Number(Box<str>),
    Qualifier(Qualifier),
    List(Vec<Item>),
}

/// Known qualifiers by rank (`RELEASE` is the empty one), then the others
/// lexically.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Qualifier {
    Known(usize),
    Other(Box<str>),
}

const KNOWN: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE: Qualifier = Qualifier::Known(5);
/// Maven 4's `MAX_VERSION_LENGTH`.
const MAX_LEN: usize = 256;

impl Qualifier {
    /// `StringItem`: the one-letter aliases only directly before a number.
    fn new(word: &str, before_number: bool) -> Qualifier {
        let word = match (before_number, word) {
            (true, "a") => "alpha",
            (true, "b") => "beta",
            (true, "m") => "milestone",
            (_, "ga" | "final" | "release") => "",
            (_, "cr") => "rc",
            _ => word,
        };
        match KNOWN.iter().position(|k| *k == word) {
            Some(rank) => Qualifier::Known(rank),
            None => Qualifier::Other(word.into()),
        }
    }
}

impl Item {
    /// `parseItem`.
    fn new(word: &str, digits: bool) -> Item {
        if digits {
            let n = word.trim_start_matches('0');
            Item::Number(if n.is_empty() { "0" } else { n }.into())
        } else {
            Item::Qualifier(Qualifier::new(word, false))
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Item::Number(n) => &**n == "0",
            Item::Qualifier(q) => *q == RELEASE,
            Item::List(items) => items.is_empty(),
        }
    }

    /// `Item.compareTo`, `None` being Java's null (a missing item).
    fn cmp_to(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Number(_), None) => {
                if self.is_null() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (Item::Number(a), Some(Item::Number(b))) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Item::Number(_), Some(_)) => Ordering::Greater,
            (Item::Qualifier(q), None) => q.cmp(&RELEASE),
            (Item::Qualifier(a), Some(Item::Qualifier(b))) => a.cmp(b),
            (Item::Qualifier(_), Some(_)) => Ordering::Less,
            // MNG-6964: all of the list against null, not just its first item.
            (Item::List(items), None) => {
                items.iter().map(|i| i.cmp_to(None)).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
            }
            (Item::List(a), Some(Item::List(b))) => cmp_lists(a, b),
            (Item::List(_), Some(Item::Number(_))) => Ordering::Less,
            (Item::List(_), Some(Item::Qualifier(_))) => Ordering::Greater,
        }
    }
}

/// `ListItem.compareTo(ListItem)`: pairwise, the shorter padded with null.
fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    (0..a.len().max(b.len()))
        .map(|i| match (a.get(i), b.get(i)) {
            (Some(l), r) => l.cmp_to(r),
            (None, Some(r)) => r.cmp_to(None).reverse(),
            (None, None) => Ordering::Equal,
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// `ListItem.normalize`: drops trailing nulls, looking past (non-empty)
/// sub-lists.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        match list.get(i) {
            Some(item) if item.is_null() => {
                list.remove(i);
            }
            Some(Item::List(_)) => {}
            _ => break,
        }
    }
}

impl MavenVersion {
    /// `ComparableVersion.parseVersion`, after the strictness checks.
    pub fn parse(v: &str) -> Result<MavenVersion, String> {
        if !v.starts_with(|c: char| c.is_ascii_digit()) {
            return Err("it does not start with a digit".into());
        }
        if !v.bytes().all(|c| c.is_ascii_graphic()) {
            return Err("it has spaces, control or non-ASCII characters".into());
        }
        if v.len() > MAX_LEN {
            return Err(format!("it is longer than {MAX_LEN} characters"));
        }
        let v = v.to_ascii_lowercase();
        let word = |from: usize, to: usize| v.get(from..to).unwrap_or_default();
        // The open lists, outermost first; a new list is always the last
        // item of the one before it, so it is appended when closed.
        let mut lists: Vec<Vec<Item>> = vec![Vec::new()];
        let add = |lists: &mut Vec<Vec<Item>>, item| {
            if let Some(list) = lists.last_mut() {
                list.push(item);
            }
        };
        let open_is_empty = |lists: &Vec<Vec<Item>>| lists.last().is_none_or(Vec::is_empty);
        let (mut digits, mut start) = (false, 0);
        for (i, c) in v.bytes().enumerate() {
            match c {
                b'.' | b'-' => {
                    let item = if i == start { Item::Number("0".into()) } else { Item::new(word(start, i), digits) };
                    add(&mut lists, item);
                    start = i + 1;
                    if c == b'-' {
                        lists.push(Vec::new());
                    }
                }
                b'0'..=b'9' => {
                    if !digits && i > start {
                        // MNG-7644: `.X1` reads as `-X1`.
                        if !open_is_empty(&lists) {
                            lists.push(Vec::new());
                        }
                        add(&mut lists, Item::Qualifier(Qualifier::new(word(start, i), true)));
                        start = i;
                        lists.push(Vec::new());
                    }
                    digits = true;
                }
                _ => {
                    if digits && i > start {
                        add(&mut lists, Item::new(word(start, i), true));
                        start = i;
                        lists.push(Vec::new());
                    }
                    digits = false;
                }
            }
        }
        if v.len() > start {
            if !digits && !open_is_empty(&lists) {
                lists.push(Vec::new());
            }
            add(&mut lists, Item::new(word(start, v.len()), digits));
        }
        let mut inner: Option<Vec<Item>> = None;
        while let Some(mut list) = lists.pop() {
            if let Some(child) = inner.take() {
                list.push(Item::List(child));
            }
            normalize(&mut list);
            inner = Some(list);
        }
        let items = inner.unwrap_or_default();
        if !transitive(&items, false) {
            return Err("Maven's own ordering of its form is not transitive (1 < 1.foo-1 < 1-alpha < 1)".into());
        }
        Ok(MavenVersion(items))
    }
}

/// Whether the items keep to the forms on which Maven's ordering is
/// transitive: a qualifier only first in its list (`1.foo-1` has one after
/// the `1`), and no sub-list opening with a list below the release (`1-0.alpha`
/// is `[1, [[alpha]]]`). Against null, Maven puts such an item on one side
/// and, against the items it meets at the same place, on the other.
fn transitive(list: &[Item], sub: bool) -> bool {
    list.iter().enumerate().all(|(i, item)| match item {
        Item::Number(_) => true,
        Item::Qualifier(_) => i == 0,
        Item::List(l) => !(sub && i == 0 && item.cmp_to(None).is_lt()) && transitive(l, true),
    })
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.0, &other.0)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Equal in Maven's ordering (`1.0` equals `1`).
impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for MavenVersion {}
