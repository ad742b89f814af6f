//! Brute-force resistance (STAR-1 S1.1-04): intrusive, so it runs only
//! when asked for with `--danger-brute-force-test`.
//!
//! On each login surface, a bounded number of wrong logins (a fixed user,
//! passwords that cannot be right) are sent at a stated pace, each on a
//! fresh connection, and the time each takes to be refused is measured.
//! The verdict rule, applied by [`verdict`] to the timings alone:
//!
//! 1. **Locks out**: the device says it is locked (`locked`, `too many`,
//!    `blocked`, `try again later`, `temporarily`), or, after at least one
//!    readable refusal, an attempt cannot connect or goes unanswered *and
//!    so does the next one* — the device stops taking guesses. The test
//!    stops there. One unreadable attempt followed by a refusal is a lost
//!    answer, not a lockout: it counts for nothing and the test goes on
//!    (an unreadable last attempt gets one more to tell which).
//! 2. **Delays**: the last three refusals each take at least twice as long
//!    as the first and at least one second longer — guessing slows down
//!    as it goes on.
//! 3. **Accepts a wrong password**: any attempt logs in — the surface
//!    checks nothing.
//! 4. Otherwise, every attempt was refused at the same speed: **no
//!    resistance**.
//! 5. The first attempt unreadable, too few refusals to judge (under
//!    four), or an unanswered last attempt: **inconclusive**.
//!
//! A constant delay per attempt (such as login(1)'s three seconds) is not
//! resistance: parallel connections guess just as fast.

use std::time::Duration;

use serde::Serialize;

use crate::creds::{Attempt, Credential};

/// The test's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BruteForceSettings {
    /// Wrong logins per surface (at most [`MAX_ATTEMPTS`]).
    pub attempts: u32,
    /// At least this long between the starts of two attempts.
    #[serde(serialize_with = "crate::tcp::ser_ms")]
    pub pace: Duration,
}

pub const MAX_ATTEMPTS: u32 = 100;

impl Default for BruteForceSettings {
    fn default() -> BruteForceSettings {
        BruteForceSettings { attempts: 10, pace: Duration::from_secs(1) }
    }
}

/// One wrong login, timed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timing {
    /// 1 = the first.
    pub n: u32,
    /// When it started, from the test's start.
    pub at_ms: u64,
    /// How long until the answer (or the give-up).
    pub took_ms: u64,
    /// `refused`, `accepted`, or `unreadable: …`.
    pub outcome: String,
}

/// What the timings show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    LocksOut { at_attempt: u32, how: String },
    Delays { first_ms: u64, last_ms: Vec<u64> },
    AcceptsWrongPassword { at_attempt: u32 },
    NoResistance { attempts: u32, slowest_ms: u64 },
    Inconclusive { reason: String },
}

const LOCK_WORDS: &[&str] = &["locked", "too many", "blocked", "try again later", "temporarily"];

/// Applies the rule in the module docs.
pub fn verdict(timings: &[Timing]) -> Verdict {
    let Some(first) = timings.first() else {
        return Verdict::Inconclusive { reason: "no attempt was made".into() };
    };
    if first.outcome != "refused" && first.outcome != "accepted" {
        return Verdict::Inconclusive { reason: format!("the first wrong login was {}", first.outcome) };
    }
    // A wrong password accepted anywhere outweighs everything else.
    if let Some(t) = timings.iter().find(|t| t.outcome == "accepted") {
        return Verdict::AcceptsWrongPassword { at_attempt: t.n };
    }
    for (i, t) in timings.iter().enumerate() {
        if says_locked(t) {
            return Verdict::LocksOut { at_attempt: t.n, how: t.outcome.clone() };
        }
        if t.n > 1 && t.outcome != "refused" {
            // Silence is a lockout only when it lasts.
            match timings.get(i + 1) {
                Some(next) if next.outcome == "refused" => {}
                Some(_) => return Verdict::LocksOut { at_attempt: t.n, how: t.outcome.clone() },
                None => {
                    return Verdict::Inconclusive {
                        reason: format!(
                            "wrong login {} was {}, and no later attempt shows whether the device locked out",
                            t.n, t.outcome
                        ),
                    };
                }
            }
        }
    }
    // The pace is judged on the refusals; a lost answer says nothing of it.
    let refusals: Vec<&Timing> = timings.iter().filter(|t| t.outcome == "refused").collect();
    if refusals.len() < 4 {
        return Verdict::Inconclusive { reason: format!("only {} refusals; at least 4 are needed", refusals.len()) };
    }
    let last: Vec<u64> = refusals.iter().rev().take(3).map(|t| t.took_ms).collect();
    if last.iter().all(|&ms| ms >= first.took_ms.saturating_mul(2) && ms >= first.took_ms + 1000) {
        return Verdict::Delays { first_ms: first.took_ms, last_ms: last.into_iter().rev().collect() };
    }
    Verdict::NoResistance {
        attempts: refusals.len() as u32,
        slowest_ms: refusals.iter().map(|t| t.took_ms).max().unwrap_or(0),
    }
}

fn says_locked(t: &Timing) -> bool {
    let lower = t.outcome.to_ascii_lowercase();
    LOCK_WORDS.iter().any(|w| lower.contains(w))
}

/// Whether the test makes another wrong login after `timings`, of
/// `planned`: until one is accepted, the device says it is locked, two in a
/// row go unanswered (or the first does), or the planned ones are made —
/// and one more when the last of them went unanswered, to tell a lockout
/// from a lost answer.
pub fn goes_on(timings: &[Timing], planned: u32) -> bool {
    let Some(last) = timings.last() else { return planned > 0 };
    if last.outcome == "accepted" || says_locked(last) {
        return false;
    }
    if last.outcome != "refused" {
        let previous_lost =
            timings.len() >= 2 && timings.get(timings.len() - 2).is_some_and(|p| p.outcome != "refused");
        return last.n > 1 && !previous_lost;
    }
    last.n < planned
}

/// The wrong credential of attempt `n`: the user, and a password no
/// device has (it names the test, so logs on the device show what
/// happened).
pub fn wrong(user: &str, n: u32) -> Credential {
    Credential {
        user: user.to_string(),
        password: format!("starmark-brute-force-test-{n}-not-a-password"),
        reference: format!("wrong/{n}"),
    }
}

/// Names an attempt's outcome for the timings.
pub fn outcome(a: &Attempt) -> String {
    match a {
        Attempt::Accepted => "accepted".into(),
        Attempt::Refused => "refused".into(),
        Attempt::Inconclusive { reason } => format!("unreadable: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(list: &[(u64, &str)]) -> Vec<Timing> {
        list.iter()
            .enumerate()
            .map(|(i, (ms, o))| Timing { n: i as u32 + 1, at_ms: i as u64 * 1000, took_ms: *ms, outcome: (*o).into() })
            .collect()
    }

    #[test]
    fn the_rule() {
        // login(1): three seconds every time, refused every time.
        assert!(matches!(verdict(&run(&[(3000, "refused"); 10])), Verdict::NoResistance { attempts: 10, .. }));
        // Growing delays.
        let growing =
            run(&[(200, "refused"), (400, "refused"), (1600, "refused"), (3200, "refused"), (6400, "refused")]);
        assert!(matches!(verdict(&growing), Verdict::Delays { first_ms: 200, .. }));
        // Doubling but under a second longer is not a delay.
        assert!(matches!(
            verdict(&run(&[(10, "refused"), (30, "refused"), (40, "refused"), (50, "refused")])),
            Verdict::NoResistance { .. }
        ));
        // Lockout by silence or by message.
        let lost = "unreadable: could not connect in time";
        let silent = run(&[(100, "refused"), (100, "refused"), (5000, lost), (5000, lost)]);
        assert_eq!(verdict(&silent), Verdict::LocksOut { at_attempt: 3, how: lost.into() });
        // One lost answer, then refusals again: no lockout, and it does not count.
        let glitch = run(&[(100, "refused"), (100, "refused"), (5000, lost), (100, "refused"), (100, "refused")]);
        assert!(
            matches!(verdict(&glitch), Verdict::NoResistance { attempts: 4, slowest_ms: 100 }),
            "{:?}",
            verdict(&glitch)
        );
        assert!(matches!(verdict(&glitch[..4]), Verdict::Inconclusive { .. }), "three refusals are too few");
        // The last attempt lost, with none after it: unknown.
        assert!(matches!(verdict(&silent[..3]), Verdict::Inconclusive { .. }));
        // The driver: one more attempt after a lost one, none after two.
        assert!(goes_on(&silent[..3], 3), "a lost last answer gets one more attempt");
        assert!(!goes_on(&silent, 3));
        assert!(goes_on(&glitch[..3], 5) && goes_on(&glitch[..4], 5) && !goes_on(&glitch, 5));
        assert!(!goes_on(&run(&[(100, lost)]), 5), "the first unreadable ends it");
        assert!(!goes_on(&run(&[(100, "refused"), (100, "accepted")]), 5));
        assert!(!goes_on(&run(&[(100, "refused"), (100, "refused: too many attempts")]), 5));
        assert!(goes_on(&[], 1) && !goes_on(&[], 0));
        // An accepted wrong password after a lost answer is no lockout.
        let accepted = run(&[(100, "refused"), (5000, lost), (100, "accepted")]);
        assert_eq!(verdict(&accepted), Verdict::AcceptsWrongPassword { at_attempt: 3 });
        assert!(matches!(verdict(&run(&[(100, "refused: account locked")])), Verdict::Inconclusive { .. }));
        // Accepting a wrong password.
        assert_eq!(
            verdict(&run(&[(100, "refused"), (100, "accepted")])),
            Verdict::AcceptsWrongPassword { at_attempt: 2 }
        );
        // Too little to judge.
        assert!(matches!(verdict(&run(&[(100, "refused"); 3])), Verdict::Inconclusive { .. }));
        assert!(matches!(verdict(&run(&[(100, "unreadable: x")])), Verdict::Inconclusive { .. }));
        assert!(matches!(verdict(&[]), Verdict::Inconclusive { .. }));
    }
}
