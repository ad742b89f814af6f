//! Test devices for the device checks, each in a network namespace of its
//! own that the test creates and removes: the probe's traffic goes only
//! there, never anywhere else.
//!
//! A [`Device`] is a namespace joined to the host by a veth pair, with a
//! /30 of 10.0.0.0/8 chosen at random (and checked to be unused). Tests
//! open listeners inside it ([`Device::listen_tcp`]), or start real
//! daemons in it ([`Device::command`]), and give it the behaviours of
//! small embedded stacks with netfilter rules inside the namespace:
//! dropping instead of resetting unused ports, rate-limiting resets, and
//! going silent mid-scan.
//!
//! Everything here needs root (namespaces, veth, iptables). [`Device::new`]
//! says so plainly when it cannot run; tests must then fail, not skip.

use std::fs::File;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub mod nmap;
mod profiles;
pub use profiles::{Profile, WEAK_LOGIN};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A test device: a network namespace reachable from the host.
#[derive(Debug)]
pub struct Device {
    ns: String,
    host_if: String,
    /// The device's interface name (inside the namespace).
    pub dev_if: String,
    /// The device's address (inside the namespace).
    pub addr: IpAddr,
    /// The host's address on the link.
    pub host_addr: IpAddr,
}

pub(crate) fn run(cmd: &mut Command) -> io::Result<()> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr).trim())))
    }
}

fn ip(args: &[&str]) -> io::Result<()> {
    run(Command::new("ip").args(args))
}

/// Whether any address of the root namespace lies in 10.a.b.0/24.
fn subnet_in_use(a: u8, b: u8) -> bool {
    let out = Command::new("ip").args(["-o", "-4", "addr", "show"]).output();
    match out {
        Ok(o) => String::from_utf8_lossy(&o.stdout).contains(&format!(" 10.{a}.{b}.")),
        Err(_) => true,
    }
}

impl Device {
    /// Creates a namespace with a veth link to the host, both ends up.
    pub fn new() -> io::Result<Device> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let tag = format!("{:x}{n:x}", pid % 0x10_0000);
        let ns = format!("smtb-{tag}");
        let host_if = format!("smh{tag}");
        let dev_if = format!("smd{tag}");
        if host_if.len() > 15 {
            return Err(io::Error::other(format!("interface name {host_if} too long")));
        }
        // A free 10.a.b.0/24 (one /30 used), chosen at random.
        let (mut a, mut b) = (0u8, 0u8);
        for _ in 0..64 {
            let mut r = [0u8; 2];
            getrandom::fill(&mut r).map_err(|e| io::Error::other(e.to_string()))?;
            (a, b) = (200 + r[0] % 50, r[1]);
            if !subnet_in_use(a, b) {
                break;
            }
        }
        let host_addr = Ipv4Addr::new(10, a, b, 1);
        let addr = Ipv4Addr::new(10, a, b, 2);
        ip(&["netns", "add", &ns]).map_err(|e| {
            io::Error::other(format!(
                "cannot create a network namespace ({e}); the testbed needs root and iproute2 (`cargo xtask test` runs as root in CI)"
            ))
        })?;
        let device = Device {
            ns: ns.clone(),
            host_if: host_if.clone(),
            dev_if: dev_if.clone(),
            addr: IpAddr::V4(addr),
            host_addr: IpAddr::V4(host_addr),
        };
        ip(&["link", "add", &host_if, "type", "veth", "peer", "name", &dev_if])?;
        ip(&["link", "set", &dev_if, "netns", &ns])?;
        ip(&["addr", "add", &format!("{host_addr}/30"), "dev", &host_if])?;
        ip(&["link", "set", &host_if, "up"])?;
        device.ip(&["addr", "add", &format!("{addr}/30"), "dev", &dev_if])?;
        device.ip(&["link", "set", &dev_if, "up"])?;
        device.ip(&["link", "set", "lo", "up"])?;
        Ok(device)
    }

    /// Runs `ip` inside the namespace.
    fn ip(&self, args: &[&str]) -> io::Result<()> {
        run(Command::new("ip").args(["netns", "exec", &self.ns, "ip"]).args(args))
    }

    /// A command that runs inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns, program]);
        c
    }

    /// Starts `program ARGS` inside the namespace; it is killed when the
    /// returned [`Daemon`] is dropped.
    pub fn spawn(&self, program: &str, args: &[&str]) -> io::Result<Daemon> {
        let child = self
            .command(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| io::Error::other(format!("cannot start {program} in the test device: {e}")))?;
        Ok(Daemon::new(program.to_string(), child))
    }

    /// Runs `iptables ARGS` inside the namespace.
    pub fn iptables(&self, args: &[&str]) -> io::Result<()> {
        run(self.command("iptables").args(["-w"]).args(args))
    }

    /// Runs `f` on a short-lived thread that has entered the device's
    /// network namespace: sockets it makes belong to the device.
    fn in_namespace<T: Send>(&self, f: impl FnOnce() -> io::Result<T> + Send) -> io::Result<T> {
        let path = format!("/var/run/netns/{}", self.ns);
        std::thread::scope(|s| {
            s.spawn(|| {
                let ns = File::open(&path)?;
                nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWNET)
                    .map_err(|e| io::Error::other(format!("setns {path}: {e}")))?;
                f()
            })
            .join()
            .map_err(|_| io::Error::other("the namespace thread panicked"))?
        })
    }

    /// A TCP listener on `port` of the device (all its addresses).
    pub fn listen_tcp(&self, port: u16) -> io::Result<std::net::TcpListener> {
        self.in_namespace(|| std::net::TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)))
    }

    /// A UDP socket bound to `port` of the device (all its addresses).
    pub fn bind_udp(&self, port: u16) -> io::Result<std::net::UdpSocket> {
        self.in_namespace(|| std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)))
    }

    /// The device stops answering anything (as a crashed or rebooting
    /// embedded stack would).
    pub fn go_silent(&self) -> io::Result<()> {
        self.iptables(&["-I", "INPUT", "1", "-i", "lo", "-j", "ACCEPT"])?;
        self.iptables(&["-I", "INPUT", "2", "-j", "DROP"])
    }

    /// The device answers again.
    pub fn answer_again(&self) -> io::Result<()> {
        self.iptables(&["-D", "INPUT", "-j", "DROP"])?;
        self.iptables(&["-D", "INPUT", "-i", "lo", "-j", "ACCEPT"])
    }

    /// Unused TCP ports drop connection attempts instead of refusing them
    /// (as many small stacks and firewalls do); `open` stay reachable.
    pub fn drop_unused_tcp(&self, open: &[u16]) -> io::Result<()> {
        for p in open {
            self.iptables(&["-A", "INPUT", "-p", "tcp", "--dport", &p.to_string(), "-j", "ACCEPT"])?;
        }
        self.iptables(&["-A", "INPUT", "-p", "tcp", "--syn", "-j", "DROP"])
    }

    /// Delays every packet arriving at the device by `delay` and drops
    /// each with probability `loss` (0 to 1): a slow, lossy link.
    ///
    /// These kernels have no `sch_netem`, so this is netfilter inside the
    /// namespace: the `statistic` match for loss, and an NFQUEUE that a
    /// thread in the namespace holds each packet in for `delay` before it
    /// lets it through (the `nfq` crate). Both sit in `mangle PREROUTING`,
    /// so the device's own `filter` rules still apply afterwards.
    pub fn impair(&self, delay: Duration, loss: f64) -> io::Result<Impairment> {
        if !(0.0..1.0).contains(&loss) {
            return Err(io::Error::other(format!("loss {loss} is not a probability below 1")));
        }
        let queue_num = 7u16;
        let path = format!("/var/run/netns/{}", self.ns);
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<()>>();
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let opened = (|| -> io::Result<nfq::Queue> {
                    let ns = File::open(&path)?;
                    nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWNET)
                        .map_err(|e| io::Error::other(format!("setns {path}: {e}")))?;
                    let mut q = nfq::Queue::open()?;
                    q.bind(queue_num)?;
                    q.set_queue_max_len(queue_num, 65_536)?;
                    q.set_nonblocking(true);
                    Ok(q)
                })();
                let mut q = match opened {
                    Ok(q) => {
                        let _ = ready_tx.send(Ok(()));
                        q
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let mut held: std::collections::VecDeque<(Instant, nfq::Message)> = std::collections::VecDeque::new();
                while !stop.load(Ordering::Relaxed) {
                    let mut got = false;
                    while let Ok(msg) = q.recv() {
                        held.push_back((Instant::now() + delay, msg));
                        got = true;
                    }
                    let now = Instant::now();
                    while held.front().is_some_and(|(due, _)| *due <= now) {
                        if let Some((_, mut msg)) = held.pop_front() {
                            msg.set_verdict(nfq::Verdict::Accept);
                            let _ = q.verdict(msg);
                        }
                    }
                    if !got {
                        std::thread::sleep(Duration::from_micros(100));
                    }
                }
                for (_, mut msg) in held {
                    msg.set_verdict(nfq::Verdict::Accept);
                    let _ = q.verdict(msg);
                }
            })
        };
        ready_rx
            .recv()
            .map_err(|_| io::Error::other("the delay thread ended before it was ready"))?
            .map_err(|e| io::Error::other(format!("cannot open the NFQUEUE in the test device: {e}")))?;
        if loss > 0.0 {
            self.iptables(&[
                "-t",
                "mangle",
                "-A",
                "PREROUTING",
                "-i",
                &self.dev_if,
                "-m",
                "statistic",
                "--mode",
                "random",
                "--probability",
                &format!("{loss}"),
                "-j",
                "DROP",
            ])?;
        }
        if !delay.is_zero() {
            self.iptables(&[
                "-t",
                "mangle",
                "-A",
                "PREROUTING",
                "-i",
                &self.dev_if,
                "-j",
                "NFQUEUE",
                "--queue-num",
                &queue_num.to_string(),
            ])?;
        }
        Ok(Impairment { stop, thread: Some(thread) })
    }

    /// The device sends at most `per_second` TCP resets a second (burst 5)
    /// and swallows the rest, as rate-limited embedded stacks do.
    pub fn limit_resets(&self, per_second: u32) -> io::Result<()> {
        let limit = format!("{per_second}/second");
        self.iptables(&[
            "-A",
            "OUTPUT",
            "-p",
            "tcp",
            "--tcp-flags",
            "RST",
            "RST",
            "-m",
            "limit",
            "--limit",
            &limit,
            "--limit-burst",
            "5",
            "-j",
            "ACCEPT",
        ])?;
        self.iptables(&["-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "RST", "RST", "-j", "DROP"])
    }

    /// The device stops answering new connections to `port` from a host
    /// once that host has opened `connections` of them within a minute
    /// (netfilter's `recent` match), as a login lockout does.
    pub fn lock_out_after(&self, port: u16, connections: u32) -> io::Result<()> {
        let port = port.to_string();
        let hits = (connections + 1).to_string();
        let base =
            ["-A", "INPUT", "-p", "tcp", "--dport", &port, "-m", "conntrack", "--ctstate", "NEW", "-m", "recent"];
        self.iptables(&[&base[..], &["--set", "--name", "smlock"]].concat())?;
        self.iptables(
            &[&base[..], &["--update", "--seconds", "60", "--hitcount", &hits, "--name", "smlock", "-j", "DROP"]]
                .concat(),
        )
    }
}

/// A process running inside a test device.
#[derive(Debug)]
pub struct Daemon {
    name: String,
    child: std::process::Child,
    /// The last [`STDERR_KEPT`] bytes the daemon wrote to standard error.
    /// A thread drains the pipe all the time: a daemon that logs a lot
    /// (miniupnpd in debug mode logs every SSDP answer) would otherwise
    /// block on a full pipe and stop serving.
    stderr: Arc<std::sync::Mutex<Vec<u8>>>,
}

/// How much of a daemon's standard error is kept for error messages.
const STDERR_KEPT: usize = 16 * 1024;

impl Daemon {
    pub(crate) fn new(name: String, mut child: std::process::Child) -> Daemon {
        let stderr = Arc::new(std::sync::Mutex::new(Vec::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let kept = stderr.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = std::io::Read::read(&mut pipe, &mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut k) = kept.lock() {
                        k.extend_from_slice(buf.get(..n).unwrap_or_default());
                        let excess = k.len().saturating_sub(STDERR_KEPT);
                        k.drain(..excess);
                    }
                }
            });
        }
        Daemon { name, child, stderr }
    }

    /// Fails with the daemon's own words if it has already exited.
    pub fn check_running(&mut self) -> io::Result<()> {
        match self.child.try_wait()? {
            None => Ok(()),
            Some(status) => {
                // Let the drain thread take the last words.
                std::thread::sleep(Duration::from_millis(100));
                let err = self.stderr.lock().map(|k| String::from_utf8_lossy(&k).to_string()).unwrap_or_default();
                Err(io::Error::other(format!("{} exited with {status}: {}", self.name, err.trim())))
            }
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running delay/loss impairment; dropping it stops the delay thread.
#[derive(Debug)]
pub struct Impairment {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Impairment {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // Deleting the namespace removes its end of the veth pair, and so
        // the pair; the host end is deleted too in case it lingers.
        let _ = ip(&["netns", "del", &self.ns]);
        let _ = Command::new("ip").args(["link", "del", &self.host_if]).stderr(Stdio::null()).status();
    }
}
