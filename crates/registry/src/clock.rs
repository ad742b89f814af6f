//! The one source of time. Production reads the system clock; tests drive
//! expiry and grace periods with a [`ManualClock`].

use std::fmt::Debug;
use std::sync::Mutex;

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

/// The scheme's civil time zone. Japan has no daylight saving time, so a
/// fixed +09:00 offset needs no time-zone database.
pub fn scheme_tz() -> TimeZone {
    TimeZone::fixed(Offset::constant(9))
}

pub trait Clock: Send + Sync + Debug {
    fn now(&self) -> Timestamp;

    /// Today's date in the scheme's time zone.
    fn today(&self) -> Date {
        scheme_tz().to_datetime(self.now()).date()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(at: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(at))
    }

    /// A clock at noon (scheme time) of `day`.
    pub fn at_date(day: Date) -> ManualClock {
        let ts = scheme_tz().to_timestamp(day.at(12, 0, 0, 0)).unwrap_or(Timestamp::UNIX_EPOCH);
        ManualClock::new(ts)
    }

    pub fn set(&self, at: Timestamp) {
        if let Ok(mut g) = self.0.lock() {
            *g = at;
        }
    }

    pub fn advance(&self, by: SignedDuration) {
        if let Ok(mut g) = self.0.lock() {
            *g = g.checked_add(by).unwrap_or(*g);
        }
    }

    /// Noon (scheme time) of `day`.
    pub fn set_date(&self, day: Date) {
        self.set(scheme_tz().to_timestamp(day.at(12, 0, 0, 0)).unwrap_or(Timestamp::UNIX_EPOCH));
    }

    pub fn advance_days(&self, days: i64) {
        self.advance(SignedDuration::from_hours(24 * days));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map(|g| *g).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at_date(jiff::civil::date(2026, 11, 27));
        assert_eq!(c.today(), jiff::civil::date(2026, 11, 27));
        c.advance_days(1);
        assert_eq!(c.today(), jiff::civil::date(2026, 11, 28));
    }
}
