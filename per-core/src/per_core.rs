//! [`PerCore`]: N single-threaded loops as one runtime of the contract.

use std::{
    fmt,
    future::Future,
    io,
    net::SocketAddr,
    num::NonZeroUsize,
    pin::{Pin, pin},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering::Relaxed},
    },
    thread,
};

use chain_contract::{Driver, Launch, Runtime, RuntimeInfo, Scheduling, Task, no_such_driver};
use futures::{
    StreamExt,
    channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded},
    future::{Either, select},
};

use crate::{LocalLoop, ShardTask, shard};

/// A task on its way to the shard that will run it.
type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A thread-per-core runtime: shard 0 is the thread in [`Launch::block_on`](chain_contract::Launch::block_on), and
/// each other shard a thread of its own, running the loop `L` (see the
/// [crate docs](crate)). Clones share the shards; their threads stop when the last
/// clone is dropped.
pub struct PerCore<L: LocalLoop> {
    shared: Arc<Shared<L>>,
}

struct Shared<L> {
    local: L,
    /// Tells this runtime's shards from another's on the same thread.
    id: usize,
    /// Each shard's queue of tasks sent from other threads.
    queues: Vec<UnboundedSender<Job>>,
    /// Shard 0's queue, served by the thread in `block_on`.
    home: Mutex<Option<UnboundedReceiver<Job>>>,
    info: RuntimeInfo,
}

impl<L: LocalLoop> Clone for PerCore<L> {
    fn clone(&self) -> Self {
        PerCore { shared: self.shared.clone() }
    }
}

impl<L: LocalLoop> fmt::Debug for PerCore<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerCore").field("info", &self.shared.info).finish_non_exhaustive()
    }
}

impl<L: LocalLoop> PerCore<L> {
    /// One loop: the thread in `block_on` runs every task.
    ///
    /// # Errors
    ///
    /// The calling thread's runtime could not be built.
    pub fn current_thread(local: L) -> io::Result<Self> {
        Self::start(local, Scheduling::CurrentThread, NonZeroUsize::MIN)
    }

    /// `shards` loops: the thread in `block_on` and `shards - 1` threads of their own.
    ///
    /// # Errors
    ///
    /// A thread, or a thread's runtime, could not be started.
    pub fn thread_per_core(local: L, shards: NonZeroUsize) -> io::Result<Self> {
        Self::start(local, Scheduling::ThreadPerCore, shards)
    }

    fn start(local: L, flavour: Scheduling, shards: NonZeroUsize) -> io::Result<Self> {
        static IDS: AtomicUsize = AtomicUsize::new(0);
        let id = IDS.fetch_add(1, Relaxed);
        let io = local.start()?;
        let (home_queue, home) = unbounded();
        let mut queues = vec![home_queue];
        for shard in 1..shards.get() {
            queues.push(start_shard(&local, id, shard)?);
        }
        let info = RuntimeInfo::new(L::RUNTIME, flavour, shards, L::TIMER, io);
        let shared = Shared { local, id, queues, home: Mutex::new(Some(home)), info };
        Ok(PerCore { shared: Arc::new(shared) })
    }

    /// Sends `future` to `shard`'s queue, as the contract's [`Task`]. A shard that
    /// has stopped drops it, and its handle says so.
    ///
    /// Out of line: inlined, it made the loop of a shard's own spawns bigger.
    #[cold]
    #[inline(never)]
    fn send_to<F>(&self, shard: usize, future: F) -> ShardTask<L::Handle<F::Output>, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, running) = Task::new(future);
        drop(self.shared.queues[shard].unbounded_send(Box::pin(running)));
        ShardTask::Sent(task)
    }
}

/// Starts shard `shard` of runtime `id` on a thread of its own, once its runtime is
/// built, and returns its queue.
fn start_shard<L: LocalLoop>(
    local: &L,
    id: usize,
    shard: usize,
) -> io::Result<UnboundedSender<Job>> {
    let (queue, jobs) = unbounded();
    let (started, ready) = std::sync::mpsc::channel();
    let local = local.clone();
    thread::Builder::new().name(format!("{}-shard-{shard}", L::RUNTIME)).spawn(move || {
        let built = local.start().map(drop);
        let ok = built.is_ok();
        let _ = started.send(built);
        if ok {
            let _running = shard::enter(id, shard);
            local.block_on(serve(&local, jobs));
        }
    })?;
    ready.recv().map_err(|_| io::Error::other("a shard's thread ended while starting"))??;
    Ok(queue)
}

/// Runs each task that arrives on this thread's loop, until the queue closes.
async fn serve<L: LocalLoop>(local: &L, mut jobs: impl futures::Stream<Item = Job> + Unpin) {
    while let Some(job) = jobs.next().await {
        local.spawn_local(job);
    }
}

/// Shard 0's queue, lent to a `block_on` and given back however it ends.
struct Lent<'a> {
    slot: &'a Mutex<Option<UnboundedReceiver<Job>>>,
    jobs: Option<UnboundedReceiver<Job>>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = self.jobs.take();
    }
}

impl<L: LocalLoop> Runtime for PerCore<L> {
    type JoinHandle<T: Send + 'static> = ShardTask<L::Handle<T>, T>;
    type Timer = L::Timer;
    type TcpStream = L::TcpStream;
    type TcpListener = L::TcpListener;

    // Inlined into the caller, as the runtime's own spawn is: out of line, the
    // future is moved once more (copied) on every spawn.
    #[inline]
    fn spawn<F>(&self, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match shard::current(self.shared.id) {
            Some(_) => ShardTask::Here(self.shared.local.spawn_here(future)),
            None => self.send_to(0, future),
        }
    }

    fn spawn_on<F>(&self, shard: usize, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        assert!(shard < self.shared.queues.len(), "shard {shard} of {}", self.shared.queues.len());
        match shard::current(self.shared.id) == Some(shard) {
            true => ShardTask::Here(self.shared.local.spawn_here(future)),
            false => self.send_to(shard, future),
        }
    }

    fn shards(&self) -> NonZeroUsize {
        self.shared.info.workers
    }

    fn timer(&self) -> L::Timer {
        L::Timer::default()
    }

    fn connect(
        &self,
        address: SocketAddr,
    ) -> impl Future<Output = io::Result<L::TcpStream>> + Send + 'static {
        self.shared.local.connect(address)
    }

    fn listen(
        &self,
        listener: std::net::TcpListener,
    ) -> impl Future<Output = io::Result<L::TcpListener>> + Send + 'static {
        self.shared.local.listen(listener)
    }
}

impl<L: LocalLoop> Launch for PerCore<L> {
    const FLAVOURS: &'static [Scheduling] = &[Scheduling::ThreadPerCore, Scheduling::CurrentThread];
    const DRIVERS: &'static [Driver] = L::DRIVERS;
    const TASK_BUDGET: Option<u32> = L::TASK_BUDGET;

    fn launch(flavour: Scheduling, workers: NonZeroUsize) -> io::Result<Self> {
        Self::launch_on(L::DRIVERS[0], flavour, workers)
    }

    fn launch_on(driver: Driver, flavour: Scheduling, workers: NonZeroUsize) -> io::Result<Self> {
        if !L::DRIVERS.contains(&driver) {
            return Err(no_such_driver(L::DRIVERS, driver));
        }
        match flavour {
            Scheduling::CurrentThread => Self::current_thread(L::on(driver)),
            Scheduling::ThreadPerCore => Self::thread_per_core(L::on(driver), workers),
            Scheduling::MultiThread => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "{} has no multi-thread flavour: its tasks never leave their thread",
                    L::RUNTIME
                ),
            )),
        }
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        let shared = &*self.shared;
        let _running = shard::enter(shared.id, 0);
        let taken = shared.home.lock().unwrap_or_else(|e| e.into_inner()).take();
        let mut lent = Lent { slot: &shared.home, jobs: taken };
        let Some(jobs) = lent.jobs.as_mut() else {
            // Another thread's `block_on` serves shard 0's queue.
            return shared.local.block_on(future);
        };
        shared.local.block_on(async {
            match select(pin!(future), pin!(serve(&shared.local, jobs))).await {
                Either::Left((output, _)) => output,
                Either::Right(((), future)) => future.await,
            }
        })
    }

    fn info(&self) -> RuntimeInfo {
        self.shared.info.clone()
    }
}
