//! Brute-force resistance (STAR-1 S1.1-04): intrusive, so it runs only
//! when asked for with `--danger-brute-force-test`.
//!
//! On each login surface, a bounded number of wrong logins (a fixed user,
//! passwords that cannot be right) are sent at a stated pace, each on a
//! fresh connection, and the time each takes to be refused is measured.
//! The verdict rule, applied by [`verdict`] to the timings alone:
//!
//! 1. **Locks out**: after at least one readable refusal, an attempt
//!    cannot connect, goes unanswered, or the device says it is locked
//!    (`locked`, `too many`, `blocked`, `try again later`, `temporarily`)
//!    — the device stops taking guesses. The test stops there.
//! 2. **Delays**: the last three refusals each take at least twice as long
//!    as the first and at least one second longer — guessing slows down
//!    as it goes on.
//! 3. **Accepts a wrong password**: any attempt logs in — the surface
//!    checks nothing.
//! 4. Otherwise, every attempt was refused at the same speed: **no
//!    resistance**.
//! 5. The first attempt unreadable, or too few attempts to judge (under
//!    four): **inconclusive**.
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
    for t in timings {
        if t.outcome == "accepted" {
            return Verdict::AcceptsWrongPassword { at_attempt: t.n };
        }
        let lower = t.outcome.to_ascii_lowercase();
        if t.n > 1 && t.outcome != "refused" {
            return Verdict::LocksOut { at_attempt: t.n, how: t.outcome.clone() };
        }
        if LOCK_WORDS.iter().any(|w| lower.contains(w)) {
            return Verdict::LocksOut { at_attempt: t.n, how: t.outcome.clone() };
        }
    }
    if timings.len() < 4 {
        return Verdict::Inconclusive { reason: format!("only {} attempts; at least 4 are needed", timings.len()) };
    }
    let last: Vec<u64> = timings.iter().rev().take(3).map(|t| t.took_ms).collect();
    if last.iter().all(|&ms| ms >= first.took_ms.saturating_mul(2) && ms >= first.took_ms + 1000) {
        return Verdict::Delays { first_ms: first.took_ms, last_ms: last.into_iter().rev().collect() };
    }
    Verdict::NoResistance {
        attempts: timings.len() as u32,
        slowest_ms: timings.iter().map(|t| t.took_ms).max().unwrap_or(0),
    }
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
        let silent = run(&[(100, "refused"), (100, "refused"), (5000, "unreadable: could not connect in time")]);
        assert_eq!(
            verdict(&silent),
            Verdict::LocksOut { at_attempt: 3, how: "unreadable: could not connect in time".into() }
        );
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
