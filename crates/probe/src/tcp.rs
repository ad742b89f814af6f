//! TCP connect scan of one device, paced so that it does not knock the
//! device over, and honest about what it could not see.
//!
//! Each port gets a full `connect()`: a completed handshake is **open**, a
//! refusal (RST) is **closed**. No answer within the timeout is ambiguous
//! — a firewall drops the packet, the device's stack rate-limits its resets,
//! the device is overloaded, or it is down — so the port is tried again
//! later with a longer timeout, and is called **filtered** only if it never
//! answered *and* the device was seen answering after its last try (or
//! after its last try before the extra ones a lossy link calls for, when
//! those cannot finish).
//! Otherwise it is **inconclusive**, with the reason.
//!
//! Pacing is a congestion window, as TCP's own: it starts small, grows
//! with every clean answer (doubling per round trip at first, then by one
//! per window). Silence alone is not a congestion signal — filtered ports
//! are silent by design — but a port that answers only a later try shows
//! that the earlier try was *lost*: then the window shrinks by a quarter and
//! a pause between sends doubles (at most once per timeout period), since
//! on a fast link only pacing can slow the scan to a device that answers a
//! few hundred probes a second. Ports then also get more tries (up to ten):
//! as many as it takes for the loss rate measured so far to make a closed
//! or open port that lost every try unlikely (under one in a thousand
//! scans) — on a lossy link, three tries are not enough for thousands of
//! ports. Ports that ran out of tries before the loss was measured are tried
//! again at the end.
//! The pause shrinks again while answers come cleanly. Timeouts follow the
//! measured round-trip time (RFC 6298's estimator) within fixed bounds.
//!
//! Liveness: the first port that answered becomes the *anchor* (a closed
//! port preferred: checking it costs the device only a reset). When many
//! probes in a row go unanswered, the anchor is tried; if it does not
//! answer either, the scan pauses, reports the device unresponsive, and
//! re-checks with growing pauses until it answers again or the time budget
//! runs out. Probes lost while the device was down are repeated, never
//! counted.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

/// The most tries any port gets, however late other ports answered.
const MAX_TRIES: u8 = 10;
/// The longest pause between two sends (5 probes a second).
const MAX_GAP: Duration = Duration::from_millis(200);
/// The expected number of ports per scan that answer but lost every try
/// (so would be called filtered) that the scan's number of tries aims below.
const MISS_TARGET: f64 = 1e-3;

/// Scan settings; [`Settings::default`] suits a device on a local network.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settings {
    /// Probes in flight at the start.
    pub initial_window: usize,
    /// Never more probes in flight than this.
    pub max_window: usize,
    /// Never fewer (while not paused).
    pub min_window: usize,
    /// Timeout before the first round-trip time is measured.
    #[serde(serialize_with = "ser_ms")]
    pub initial_timeout: Duration,
    #[serde(serialize_with = "ser_ms")]
    pub min_timeout: Duration,
    #[serde(serialize_with = "ser_ms")]
    pub max_timeout: Duration,
    /// Further tries of a port that did not answer.
    pub retries: u8,
    /// The whole scan stops after this, leaving the rest inconclusive.
    #[serde(serialize_with = "ser_ms")]
    pub budget: Duration,
    /// Unanswered probes in a row that trigger a liveness check.
    pub suspect_after: usize,
}

pub(crate) fn ser_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            initial_window: 16,
            max_window: 512,
            min_window: 4,
            initial_timeout: Duration::from_millis(1000),
            min_timeout: Duration::from_millis(250),
            max_timeout: Duration::from_millis(3000),
            retries: 2,
            budget: Duration::from_secs(30 * 60),
            suspect_after: 32,
        }
    }
}

/// What is known of one port at the end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PortState {
    /// The handshake completed.
    Open {
        #[serde(serialize_with = "ser_ms")]
        rtt: Duration,
        attempt: u8,
    },
    /// The device refused the connection (RST).
    Closed { attempt: u8 },
    /// Never answered, though the device answered after the last try.
    Filtered { attempts: u8, answer: NoAnswer },
    /// Not known: why.
    Inconclusive { reason: Inconclusive },
}

/// How an unanswered probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoAnswer {
    /// Nothing came back before the timeout.
    Timeout,
    /// An ICMP unreachable came back (or the neighbour did not answer).
    Unreachable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Inconclusive {
    /// The device stopped answering and did not come back in time.
    DeviceUnresponsive,
    /// No port answered at all: the device may be down or drop everything.
    NothingAnswered,
    /// The time budget ran out first.
    BudgetExhausted,
}

/// Something that happened during the scan, for the report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    /// Milliseconds since the scan started.
    pub at_ms: u64,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The anchor port did not answer: the scan paused.
    DeviceUnresponsive { anchor: u16 },
    /// The anchor answered again after a pause.
    DeviceAnswering { anchor: u16, paused_ms: u64 },
    /// The budget ran out.
    BudgetExhausted { unfinished: usize },
    /// The local system refused to open more sockets for a moment.
    LocalResources { error: String },
}

/// Progress, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub open: usize,
    pub window: usize,
    pub paused: bool,
}

/// The result of a scan of one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `(port, state)` for every port asked for, in port order.
    pub ports: Vec<(u16, PortState)>,
    pub events: Vec<Event>,
    pub elapsed: Duration,
    /// connect() calls made, liveness checks included.
    pub attempts: u64,
    pub peak_window: usize,
    /// Smoothed round-trip time at the end, if any was measured.
    pub srtt: Option<Duration>,
}

impl Outcome {
    pub fn open(&self) -> Vec<u16> {
        self.ports.iter().filter(|(_, s)| matches!(s, PortState::Open { .. })).map(|(p, _)| *p).collect()
    }

    /// Whether every port got a definite answer (open, closed or filtered).
    pub fn complete(&self) -> bool {
        !self.ports.iter().any(|(_, s)| matches!(s, PortState::Inconclusive { .. }))
    }
}

/// How one connect() ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Open(Duration),
    Refused(Duration),
    NoAnswer(NoAnswer),
    /// Our side could not make the attempt (no sockets, no ports): not an
    /// answer of the device at all.
    Local,
}

async fn connect(addr: SocketAddr, timeout: Duration) -> (Probe, Option<io::Error>) {
    let start = Instant::now();
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
        Err(_) => (Probe::NoAnswer(NoAnswer::Timeout), None),
        // A connection to oneself: on a loopback or local target, a port in
        // the ephemeral range can be "connected" from the very same port
        // (TCP simultaneous open) with nobody listening. Not an answer:
        // the try is repeated from another source port.
        Ok(Ok(stream)) if stream.local_addr().ok() == stream.peer_addr().ok() => (Probe::Local, None),
        // Dropping the stream closes it at once: the device keeps no state.
        Ok(Ok(_stream)) => (Probe::Open(start.elapsed()), None),
        Ok(Err(e)) => match e.kind() {
            io::ErrorKind::ConnectionRefused => (Probe::Refused(start.elapsed()), None),
            io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
                (Probe::NoAnswer(NoAnswer::Unreachable), None)
            }
            io::ErrorKind::TimedOut => (Probe::NoAnswer(NoAnswer::Timeout), None),
            // A reset during the handshake is an answer from the device.
            io::ErrorKind::ConnectionReset => (Probe::Refused(start.elapsed()), None),
            _ => (Probe::Local, Some(e)),
        },
    }
}

/// RFC 6298 round-trip estimator, bounded.
#[derive(Debug)]
struct Rtt {
    srtt: Option<f64>,
    rttvar: f64,
}

impl Rtt {
    fn sample(&mut self, d: Duration) {
        let r = d.as_secs_f64();
        match self.srtt {
            None => {
                self.srtt = Some(r);
                self.rttvar = r / 2.0;
            }
            Some(s) => {
                self.rttvar = 0.75 * self.rttvar + 0.25 * (s - r).abs();
                self.srtt = Some(0.875 * s + 0.125 * r);
            }
        }
    }

    fn timeout(&self, s: &Settings) -> Duration {
        match self.srtt {
            None => s.initial_timeout,
            Some(srtt) => Duration::from_secs_f64(srtt + 4.0 * self.rttvar).clamp(s.min_timeout, s.max_timeout),
        }
    }
}

/// A port's progress through its tries.
#[derive(Debug, Clone, Copy)]
struct Job {
    port: u16,
    /// Tries made so far that the device could have answered.
    tries: u8,
    last: NoAnswer,
    /// When the last unanswered try ended (for the "answered since" rule).
    last_at: Option<Instant>,
    /// When the current try was sent.
    sent_at: Option<Instant>,
    /// When the last unanswered try was sent.
    lost_sent_at: Option<Instant>,
    /// Already shown filtered (the device answered after its last try)
    /// before it got more tries for the loss measured later: if those
    /// cannot finish (budget, silence), it stays filtered as it was.
    filtered_before: bool,
}

impl Job {
    /// Whether the device answered (at `alive_at`) after this port's last
    /// unanswered try: the proof that its silence is a filter.
    fn shown_filtered(&self, alive_at: Option<Instant>) -> bool {
        matches!((alive_at, self.last_at), (Some(a), Some(l)) if a >= l)
    }
}

/// Scans `ports` of `addr`, calling `progress` now and then.
pub async fn scan(addr: IpAddr, ports: &[u16], settings: &Settings, progress: &(dyn Fn(Progress) + Sync)) -> Outcome {
    let mut sc = Scan::new(addr, ports, settings.clone());
    sc.run(progress).await;
    sc.finish()
}

#[derive(Debug)]
struct Scan {
    addr: IpAddr,
    s: Settings,
    start: Instant,
    queue: VecDeque<Job>,
    /// Ports that never answered, waiting for proof that the device lives.
    unanswered: Vec<Job>,
    results: Vec<(u16, PortState)>,
    total: usize,
    window: f64,
    slow_start: bool,
    last_decrease: Instant,
    rtt: Rtt,
    anchor: Option<u16>,
    /// Whether the anchor is an open port (a closed one is preferred).
    anchor_open: bool,
    /// When the device last answered anything.
    alive_at: Option<Instant>,
    silent_in_a_row: usize,
    events: Vec<Event>,
    attempts: u64,
    peak_window: usize,
    gave_up: Option<Inconclusive>,
    /// Pause between two connection attempts (zero: none); grows when the
    /// device loses probes it would have answered, shrinks while it answers.
    gap: Duration,
    next_send: Instant,
    clean_answers: u32,
    /// Tries a port gets before it counts as unanswered: grows when ports
    /// answer only on late tries.
    max_tries: u8,
    /// Tries of ports that answered in the end, and how many of those
    /// tries went unanswered: the measured loss rate.
    answered_tries: u64,
    lost_tries: u64,
}

impl Scan {
    fn new(addr: IpAddr, ports: &[u16], s: Settings) -> Scan {
        let now = Instant::now();
        Scan {
            addr,
            queue: ports
                .iter()
                .map(|&port| Job {
                    port,
                    tries: 0,
                    last: NoAnswer::Timeout,
                    last_at: None,
                    sent_at: None,
                    lost_sent_at: None,
                    filtered_before: false,
                })
                .collect(),
            unanswered: Vec::new(),
            results: Vec::with_capacity(ports.len()),
            total: ports.len(),
            window: s.initial_window.max(1) as f64,
            slow_start: true,
            last_decrease: now,
            rtt: Rtt { srtt: None, rttvar: 0.0 },
            anchor: None,
            anchor_open: false,
            alive_at: None,
            silent_in_a_row: 0,
            events: Vec::new(),
            attempts: 0,
            peak_window: 0,
            gave_up: None,
            gap: Duration::ZERO,
            next_send: now,
            clean_answers: 0,
            max_tries: s.retries.saturating_add(1),
            answered_tries: 0,
            lost_tries: 0,
            start: now,
            s,
        }
    }

    fn at_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn event(&mut self, kind: EventKind) {
        let at_ms = self.at_ms();
        self.events.push(Event { at_ms, kind });
    }

    fn answered(&mut self, job: &Job, rtt: Duration, refused: bool) {
        self.rtt.sample(rtt);
        self.alive_at = Some(Instant::now());
        self.silent_in_a_row = 0;
        // Prefer a closed port as the anchor: checking it costs a reset.
        if self.anchor.is_none() || (refused && self.anchor_open) {
            self.anchor = Some(job.port);
            self.anchor_open = !refused;
        }
        self.answered_tries += u64::from(job.tries) + 1;
        self.lost_tries += u64::from(job.tries);
        if job.tries > 0 {
            // It answered a later try: an earlier one was lost, not
            // filtered. The device (or the path) is dropping under load —
            // or was, before the last slow-down: a loss of a try sent
            // before it is old news and changes nothing.
            self.max_tries = self.max_tries.max(job.tries.saturating_add(2)).max(self.tries_for_loss()).min(MAX_TRIES);
            if job.lost_sent_at.is_some_and(|t| t > self.last_decrease) {
                self.congestion();
            }
            return;
        }
        if self.slow_start {
            self.window += 1.0;
        } else {
            self.window += 1.0 / self.window;
        }
        self.window = self.window.min(self.s.max_window as f64);
        self.clean_answers += 1;
        if self.clean_answers >= 32 && !self.gap.is_zero() {
            self.clean_answers = 0;
            self.gap = self.gap.mul_f64(0.75);
            if self.gap < Duration::from_micros(100) {
                self.gap = Duration::ZERO;
            }
        }
    }

    /// The tries that make it unlikely (expected [`MISS_TARGET`] ports per
    /// scan) that a port which answers lost every one of them, at the loss
    /// rate measured so far: the smallest `k` with `ports × pᵏ ≤ target`.
    /// The estimate starts from a weak prior of one loss in a thousand
    /// tries, so a handful of answers (a device that drops all but two
    /// ports) does not swing it.
    fn tries_for_loss(&self) -> u8 {
        tries_for_loss(self.lost_tries, self.answered_tries, self.total)
    }

    /// Slows down after a lost probe that was sent after the last
    /// slow-down (so a burst of losses is one signal, not many).
    fn congestion(&mut self) {
        self.last_decrease = Instant::now();
        self.slow_start = false;
        self.clean_answers = 0;
        self.window = (self.window * 0.75).max(self.s.min_window as f64);
        // A window alone cannot slow a fast link down to a device that
        // answers a few hundred probes a second: pace the sends too.
        self.gap = (self.gap * 2).clamp(Duration::from_micros(500), MAX_GAP);
    }

    fn unanswered_try(&mut self, mut job: Job, how: NoAnswer) {
        self.silent_in_a_row += 1;
        job.tries = job.tries.saturating_add(1);
        job.last = how;
        job.last_at = Some(Instant::now());
        job.lost_sent_at = job.sent_at;
        // Silence alone is no congestion signal (filtered ports are
        // silent by design), but it ends the exponential growth.
        self.slow_start = false;
        if job.tries >= self.max_tries {
            self.unanswered.push(job);
        } else {
            self.queue.push_back(job);
        }
    }

    fn timeout_for(&self, job: &Job) -> Duration {
        // Each retry waits twice as long as the try before.
        let base = self.rtt.timeout(&self.s);
        base.saturating_mul(1 << job.tries.min(4)).min(self.s.max_timeout.max(base))
    }

    /// Checks the anchor; true if the device answered.
    async fn alive(&mut self) -> bool {
        let Some(anchor) = self.anchor else { return false };
        for k in 0..3u32 {
            self.attempts += 1;
            let t = self.s.max_timeout.saturating_mul(1 + k).min(Duration::from_secs(10));
            match connect(SocketAddr::new(self.addr, anchor), t).await.0 {
                Probe::Open(_) | Probe::Refused(_) => {
                    self.alive_at = Some(Instant::now());
                    self.silent_in_a_row = 0;
                    return true;
                }
                Probe::NoAnswer(_) | Probe::Local => {}
            }
        }
        false
    }

    fn budget_left(&self) -> Duration {
        self.s.budget.saturating_sub(self.start.elapsed())
    }

    async fn run(&mut self, progress: &(dyn Fn(Progress) + Sync)) {
        let mut inflight: JoinSet<(Job, Probe, Option<io::Error>)> = JoinSet::new();
        let mut last_progress = Instant::now();
        loop {
            if self.budget_left().is_zero() {
                self.gave_up = Some(Inconclusive::BudgetExhausted);
                break;
            }
            // Too many silent probes in a row: is the device still there?
            if self.anchor.is_some()
                && self.silent_in_a_row >= self.s.suspect_after.max(self.window as usize)
                && self.alive_at.is_some_and(|t| t.elapsed() >= self.rtt.timeout(&self.s))
                && !self.check_liveness(&mut inflight, progress).await
            {
                break;
            }
            while inflight.len() < (self.window as usize).max(1) && Instant::now() >= self.next_send {
                let Some(mut job) = self.queue.pop_front() else { break };
                job.sent_at = Some(Instant::now());
                let timeout = self.timeout_for(&job);
                let addr = SocketAddr::new(self.addr, job.port);
                self.attempts += 1;
                inflight.spawn(async move {
                    let (p, e) = connect(addr, timeout).await;
                    (job, p, e)
                });
                if !self.gap.is_zero() {
                    self.next_send = Instant::now() + self.gap;
                }
            }
            self.peak_window = self.peak_window.max(inflight.len());
            if last_progress.elapsed() >= Duration::from_millis(100) {
                progress(self.progress(false));
                last_progress = Instant::now();
            }
            // Paced and allowed another probe: wake for it, or for an answer.
            let may_send = !self.queue.is_empty() && inflight.len() < (self.window as usize).max(1);
            if may_send && Instant::now() < self.next_send {
                if inflight.is_empty() {
                    tokio::time::sleep_until(self.next_send).await;
                    continue;
                }
                let next_send = self.next_send;
                tokio::select! {
                    done = inflight.join_next() => {
                        if let Some(Ok((job, probe, err))) = done {
                            self.handle(job, probe, err).await;
                        }
                    }
                    () = tokio::time::sleep_until(next_send) => {}
                }
                continue;
            }
            let Some(done) = inflight.join_next().await else {
                // Ports that ran out of tries before the loss rate was
                // known get the tries it now calls for.
                self.max_tries = self.max_tries.max(self.tries_for_loss()).min(MAX_TRIES);
                let (done, more): (Vec<Job>, Vec<Job>) =
                    std::mem::take(&mut self.unanswered).into_iter().partition(|j| j.tries >= self.max_tries);
                self.unanswered = done;
                if !more.is_empty() {
                    for j in more {
                        let filtered_before = j.filtered_before || j.shown_filtered(self.alive_at);
                        self.queue.push_back(Job { filtered_before, ..j });
                    }
                    continue;
                }
                // Nothing in flight and nothing queued. Ports that never
                // answered after the device's last answer need proof that
                // it is still there before they can be called filtered.
                let unproven = self.unanswered.iter().any(|j| j.last_at > self.alive_at);
                if unproven && self.anchor.is_some() && self.check_liveness(&mut inflight, progress).await {
                    if self.queue.is_empty() {
                        break;
                    }
                    continue;
                }
                break;
            };
            let Ok((job, probe, err)) = done else { continue };
            self.handle(job, probe, err).await;
        }
        progress(self.progress(false));
        // Whatever is still out is abandoned; its ports stay unfinished.
        while let Some(done) = inflight.join_next().await {
            if let Ok((job, _, _)) = done {
                self.queue.push_back(job);
            }
        }
    }

    /// Takes in the end of one try.
    async fn handle(&mut self, job: Job, probe: Probe, err: Option<io::Error>) {
        match probe {
            Probe::Open(rtt) => {
                self.answered(&job, rtt, false);
                self.results.push((job.port, PortState::Open { rtt, attempt: job.tries + 1 }));
            }
            Probe::Refused(rtt) => {
                self.answered(&job, rtt, true);
                self.results.push((job.port, PortState::Closed { attempt: job.tries + 1 }));
            }
            Probe::NoAnswer(how) => self.unanswered_try(job, how),
            Probe::Local => {
                // Our own limits, not the device's: try again, gentler.
                self.queue.push_front(job);
                self.window = (self.window / 2.0).max(self.s.min_window as f64);
                if let Some(e) = err
                    && !self.events.iter().any(|ev| matches!(&ev.kind, EventKind::LocalResources { .. }))
                {
                    self.event(EventKind::LocalResources { error: e.to_string() });
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    /// Runs liveness checks, pausing while the device is silent. Returns
    /// false when the scan must stop (it did not come back in the budget).
    async fn check_liveness(
        &mut self,
        inflight: &mut JoinSet<(Job, Probe, Option<io::Error>)>,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> bool {
        let silent_since = self.alive_at;
        if self.alive().await {
            return true;
        }
        let anchor = self.anchor.unwrap_or(0);
        self.event(EventKind::DeviceUnresponsive { anchor });
        let paused = Instant::now();
        // Let what is in flight end; none of it counts as a try.
        while let Some(done) = inflight.join_next().await {
            if let Ok((job, probe, _)) = done {
                match probe {
                    Probe::Open(rtt) => self.results.push((job.port, PortState::Open { rtt, attempt: job.tries + 1 })),
                    Probe::Refused(_) => self.results.push((job.port, PortState::Closed { attempt: job.tries + 1 })),
                    Probe::NoAnswer(_) | Probe::Local => self.queue.push_front(job),
                }
            }
        }
        // Queued retries of tries made in the silence are void too.
        for job in &mut self.queue {
            if job.tries > 0 && job.last_at > silent_since {
                job.tries -= 1;
            }
        }
        let mut pause = Duration::from_secs(1);
        loop {
            progress(self.progress(true));
            let left = self.budget_left();
            if left.is_zero() {
                self.gave_up = Some(Inconclusive::DeviceUnresponsive);
                return false;
            }
            tokio::time::sleep(pause.min(left)).await;
            if self.alive().await {
                let paused_ms = u64::try_from(paused.elapsed().as_millis()).unwrap_or(u64::MAX);
                self.event(EventKind::DeviceAnswering { anchor, paused_ms });
                // Start again gently.
                self.window = self.s.min_window as f64;
                self.slow_start = false;
                // Tries that went unanswered after its last answer are void.
                let mut keep = Vec::new();
                for mut job in std::mem::take(&mut self.unanswered) {
                    if job.last_at > silent_since {
                        job.tries = job.tries.saturating_sub(1);
                        self.queue.push_back(job);
                    } else {
                        keep.push(job);
                    }
                }
                self.unanswered = keep;
                return true;
            }
            pause = (pause * 2).min(Duration::from_secs(30));
        }
    }

    fn progress(&self, paused: bool) -> Progress {
        Progress {
            done: self.results.len() + self.unanswered.len(),
            total: self.total,
            open: self.results.iter().filter(|(_, s)| matches!(s, PortState::Open { .. })).count(),
            window: self.window as usize,
            paused,
        }
    }

    fn finish(mut self) -> Outcome {
        // A port that never answered is filtered only if the device
        // answered after its last try; otherwise nobody knows.
        let alive_at = self.alive_at;
        for job in std::mem::take(&mut self.unanswered) {
            let state = if job.shown_filtered(alive_at) || job.filtered_before {
                PortState::Filtered { attempts: job.tries, answer: job.last }
            } else if self.anchor.is_none() {
                PortState::Inconclusive { reason: Inconclusive::NothingAnswered }
            } else {
                PortState::Inconclusive { reason: self.gave_up.unwrap_or(Inconclusive::DeviceUnresponsive) }
            };
            self.results.push((job.port, state));
        }
        let reason = match self.gave_up {
            Some(r) => r,
            None if self.anchor.is_none() => Inconclusive::NothingAnswered,
            None => Inconclusive::DeviceUnresponsive,
        };
        let unfinished = self.queue.len();
        if unfinished > 0 && self.gave_up == Some(Inconclusive::BudgetExhausted) {
            self.event(EventKind::BudgetExhausted { unfinished });
        }
        for job in std::mem::take(&mut self.queue) {
            let state = if job.filtered_before {
                PortState::Filtered { attempts: job.tries, answer: job.last }
            } else {
                PortState::Inconclusive { reason }
            };
            self.results.push((job.port, state));
        }
        self.results.sort_by_key(|(p, _)| *p);
        Outcome {
            ports: self.results,
            events: self.events,
            elapsed: self.start.elapsed(),
            attempts: self.attempts,
            peak_window: self.peak_window,
            srtt: self.rtt.srtt.map(Duration::from_secs_f64),
        }
    }
}

/// See [`Scan::tries_for_loss`].
fn tries_for_loss(lost: u64, answered: u64, ports: usize) -> u8 {
    let p = (lost as f64 + 0.1) / (answered as f64 + 100.0);
    let ports = ports.max(1) as f64;
    let k = ((MISS_TARGET / ports).ln() / p.ln()).ceil();
    if k.is_finite() && k >= 1.0 { (k as u64).min(u64::from(MAX_TRIES)) as u8 } else { MAX_TRIES }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tries_follow_the_measured_loss() {
        // A clean link: the default three tries are plenty.
        assert!(tries_for_loss(0, 2000, 2000) <= 3);
        assert!(tries_for_loss(0, 0, 65535) <= 3);
        // Two answers from a device that drops the rest say nothing yet.
        assert!(tries_for_loss(0, 2, 600) <= 3);
        // 2 % loss over 2,000 ports: 3 tries miss a port in ~1.6 % of
        // scans (2000 × 0.02³); 4 tries in ~0.03 %.
        assert_eq!(tries_for_loss(40, 2040, 2000), 4);
        assert_eq!(tries_for_loss(40, 2040, 65535), 5);
        // A very lossy link: as many as allowed.
        assert_eq!(tries_for_loss(900, 1000, 2000), MAX_TRIES);
        for (lost, answered, ports) in [(1, 1, 1), (0, 0, 0), (u64::MAX, u64::MAX, usize::MAX)] {
            assert!((1..=MAX_TRIES).contains(&tries_for_loss(lost, answered, ports)));
        }
    }
}
