//! A measured server process: started pinned to its cores, its address read from
//! its first lines, its CPU time and peak memory read from `/proc`, and stopped with
//! SIGTERM (SIGKILL if it lingers).

use std::{
    io::{self, BufRead, BufReader},
    net::SocketAddr,
    os::unix::process::CommandExt,
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use crate::interrupt;

/// How long a server may take to start, or to stop after SIGTERM.
const PATIENCE: Duration = Duration::from_secs(30);

/// A server that is running until dropped.
pub struct Server {
    child: Child,
    pub address: SocketAddr,
}

/// Makes `command` run on `cores` only.
pub fn pinned<'a>(command: &'a mut Command, cores: &[usize]) -> &'a mut Command {
    let cores = cores.to_vec();
    // SAFETY: between fork and exec only sched_setaffinity runs, a plain system call
    // on a set built on this stack; nothing allocates or locks.
    unsafe {
        command.pre_exec(move || {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            for &core in &cores {
                libc::CPU_SET(core, &mut set);
            }
            match libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) {
                0 => Ok(()),
                _ => Err(io::Error::last_os_error()),
            }
        })
    }
}

impl Server {
    /// Starts `command` (a `serve --port 0`), and waits for the line that says where it
    /// listens: `gateway on http://ADDRESS/...`.
    pub fn start(command: &mut Command) -> Result<Server, String> {
        let mut child = interrupt::spawn(command.stdout(Stdio::piped()).stderr(Stdio::piped()))
            .map_err(|e| format!("{command:?} cannot start: {e}"))?;
        let stdout = child.stdout.take().expect("piped");
        let (found, address) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let listening = line.strip_prefix("gateway on http://");
                if let Some(address) = listening.and_then(|rest| rest.split('/').next()) {
                    let _ = found.send(address.parse::<SocketAddr>());
                }
            }
        });
        let mut server = Server { child, address: SocketAddr::from(([127, 0, 0, 1], 0)) };
        match address.recv_timeout(PATIENCE) {
            Ok(Ok(address)) => {
                server.address = address;
                Ok(server)
            }
            _ => Err(format!("{command:?} did not say where it listens: {}", server.stderr())),
        }
    }

    /// Its CPU time so far, user and system, from `/proc/PID/stat`.
    pub fn cpu_time(&self) -> Result<Duration, String> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .map_err(|e| format!("cannot read the server's CPU time: {e}"))?;
        // The fields after the command's name: state is the first, utime the 12th.
        let fields: Vec<&str> =
            stat.rsplit_once(") ").map_or("", |(_, rest)| rest).split(' ').collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        let (Some(user), Some(system)) = (ticks(11), ticks(12)) else {
            return Err(format!("unexpected /proc stat: {stat}"));
        };
        // SAFETY: sysconf reads a constant of the system.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        Ok(Duration::from_secs_f64((user + system) as f64 / per_second))
    }

    /// Its peak resident memory in bytes, from `/proc/PID/status` (`VmHWM`).
    pub fn peak_memory(&self) -> Result<u64, String> {
        self.memory("VmHWM")
    }

    /// Its resident memory now, in bytes (`VmRSS`).
    pub fn resident_memory(&self) -> Result<u64, String> {
        self.memory("VmRSS")
    }

    fn memory(&self, field: &str) -> Result<u64, String> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .map_err(|e| format!("cannot read the server's memory: {e}"))?;
        let line = status.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':'));
        let kib = line.and_then(|l| l.trim().strip_suffix("kB")?.trim().parse::<u64>().ok());
        kib.map(|kib| kib * 1024).ok_or_else(|| format!("no {field} in /proc status: {status}"))
    }

    /// Stops it with SIGTERM, as a user would, and waits; SIGKILL past [`PATIENCE`].
    /// Its exit status must be 0.
    pub fn stop(mut self) -> Result<(), String> {
        // SAFETY: kill(2) touches no memory of this process.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let give_up = Instant::now() + PATIENCE;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    return Err(format!("the server ended with {status}: {}", self.stderr()));
                }
                Ok(None) if Instant::now() < give_up => thread::sleep(Duration::from_millis(10)),
                _ => return Err(format!("the server did not stop within {PATIENCE:?} of SIGTERM")),
            }
        }
    }

    fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(stderr) = self.child.stderr.as_mut() {
            let _ = io::Read::read_to_string(stderr, &mut text);
        }
        text.trim().to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        interrupt::ended(self.child.id());
    }
}
