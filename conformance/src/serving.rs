//! The gateway's conformance cases: the article's chain served over HTTP by every
//! runtime and flavour, and its answer to every misbehaviour, each checked through a
//! plain socket written by hand (`plain_http`), never through the
//! project's own client, while the gateway's counters say what it holds.

use std::{
    net::SocketAddr,
    num::NonZeroUsize,
    panic::resume_unwind,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering::SeqCst},
    },
    thread,
    time::{Duration, Instant},
};

use futures::channel::oneshot;

use crate::plain_http::{Answer, Connection, MALFORMED_HEAD};
use chain_contract::{Launch, run_on_worker};
use chain_core::{
    DataSource, FetchError, InMemorySource, OrderId, User, UserId, model::article_orders,
};
use chain_http::{
    HttpSource, WireFault, WireFaultPlan,
    gateway::{Gateway, GatewayConfig, GatewayStats},
};
use record_service::{RecordService, ServiceConfig};

/// How long a client thread waits for the gateway's counters to show something.
const WAIT_LIMIT: Duration = Duration::from_secs(20);
/// A limit that only a hang reaches.
const HANG_LIMIT: Duration = Duration::from_secs(60);
/// A limit no case waits out.
const FOREVER: Duration = Duration::from_secs(3600);

/// Stops the gateway when dropped, or when told to.
struct Stop(Option<oneshot::Sender<()>>);

impl Stop {
    fn now(&mut self) {
        self.0.take();
    }
}

/// Serves `source` on `rt` with `config` while `client` runs on a thread of its own
/// with the gateway's address and counters; the gateway stops when the client stops
/// it or returns, and the client's result (or its panic) is returned once both have
/// ended. Every case also checks that no connection, request or fetch is left when
/// the gateway returns.
fn serving<R, D, T>(
    rt: &R,
    source: D,
    config: GatewayConfig,
    client: impl FnOnce(SocketAddr, &Arc<GatewayStats>, &mut Stop) -> T + Send + 'static,
) -> T
where
    R: Launch,
    D: DataSource + 'static,
    T: Send + 'static,
{
    let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
    let gateway = Gateway::bind(any_port, rt.shards(), source, config).expect("a free port");
    let (address, stats) = (gateway.address(), gateway.stats());
    let (stop, stopped) = oneshot::channel();
    let counts = stats.clone();
    let client = thread::spawn(move || client(address, &stats, &mut Stop(Some(stop))));
    let rt2 = rt.clone();
    let (served, left) = run_on_worker(rt, async move {
        let served = gateway.serve(rt2, async move { stopped.await.unwrap_or(()) }).await;
        // Read as it returns: what it left behind, the runtime could end later unseen.
        let live = |gauge: &chain_lab::Gauge| gauge.live();
        (served, [counts.connections(), counts.requests(), counts.fetches()].map(live))
    });
    let result = client.join().unwrap_or_else(|panic| resume_unwind(panic));
    served.expect("the gateway serves until stopped");
    assert_eq!(left, [0; 3], "connections, requests and fetches live as the gateway returned");
    result
}

/// Waits on the client's thread until `done` holds, failing after [`WAIT_LIMIT`].
fn until(what: &str, done: impl Fn() -> bool) {
    let give_up = Instant::now() + WAIT_LIMIT;
    while !done() {
        assert!(Instant::now() < give_up, "never happened: {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// The article's answer for `user`, as the gateway writes it.
fn chained(user: UserId) -> String {
    let orders: Vec<String> = article_orders(user).iter().map(OrderId::to_string).collect();
    format!(
        r#"{{"user":{{"user_id":{user},"user_name":"user-{user}"}},"orders":[{}]}}"#,
        orders.join(",")
    )
}

fn path(user: UserId) -> String {
    format!("/users/{user}/with-orders")
}

fn memory<R: Launch>(rt: &R, latency: Duration) -> InMemorySource<R::Timer> {
    InMemorySource::new(rt.timer()).with_latency(latency)
}

fn service(config: ServiceConfig) -> RecordService {
    RecordService::start(config).expect("the record service starts")
}

fn assert_json_error(answer: &Answer, status: u16, says: &str) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/json"), "{answer:?}");
    assert!(answer.body.starts_with(r#"{"error":""#) && answer.body.contains(says), "{answer:?}");
}

/// The article's users 1 to 3, one after another on one kept-alive connection: each
/// answer is the article's JSON, from both fetches in flight together.
pub fn gateway_answers_the_articles_chain_on_one_kept_alive_connection<R: Launch>(rt: R) {
    let source = memory(&rt, Duration::from_millis(2));
    serving(&rt, source, GatewayConfig::default(), |address, stats, _| {
        let mut connection = Connection::open(address);
        for user in 1..=3 {
            let answer = connection.request("GET", &path(user));
            assert_eq!((answer.status, answer.body.as_str()), (200, chained(user).as_str()));
            assert_eq!(answer.header("content-type"), Some("application/json"));
        }
        assert_eq!(
            chained(1),
            r#"{"user":{"user_id":1,"user_name":"user-1"},"orders":[1,3,10,11]}"#
        );
        assert_eq!(stats.connections().started(), 1, "one connection served all three");
        assert_eq!(stats.answered_with(200), 3);
        assert_eq!(stats.fetches().peak(), 2, "each request's two fetches were in flight together");
    });
}

/// A path other than the route is a 404, another method a 405 naming the allowed
/// ones, each with a JSON error, and the connection stays usable.
pub fn unknown_path_and_method_are_json_errors_and_the_connection_lives_on<R: Launch>(rt: R) {
    serving(&rt, memory(&rt, Duration::ZERO), GatewayConfig::default(), |address, stats, _| {
        let mut connection = Connection::open(address);
        for missing in ["/", "/users/1", "/users/x/with-orders", "/users/1/with-orders/more"] {
            assert_json_error(&connection.request("GET", missing), 404, "no such path");
        }
        let refused = connection.request("DELETE", &path(1));
        assert_json_error(&refused, 405, "DELETE is not allowed");
        assert_eq!(refused.header("allow"), Some("GET, HEAD"));
        let head = connection.request("HEAD", &path(1));
        assert_eq!((head.status, head.body.as_str()), (200, ""), "HEAD answers without a body");
        assert_eq!(connection.request("GET", &path(2)).body, chained(2));
        assert_eq!(stats.connections().started(), 1);
        assert_eq!((stats.answered_with(404), stats.answered_with(405)), (4, 1));
    });
}

/// A request that is not HTTP is answered 400 and its connection closed.
pub fn malformed_request_is_a_400_and_the_connection_closes<R: Launch>(rt: R) {
    serving(&rt, memory(&rt, Duration::ZERO), GatewayConfig::default(), |address, stats, _| {
        let mut connection = Connection::open(address);
        connection.send(MALFORMED_HEAD);
        let (closed, answer) = connection.closed();
        assert_eq!(answer.map(|a| a.status), Some(400));
        assert!(closed, "the connection closes after the 400");
        until("the connection is let go", || stats.connections().live() == 0);
        assert_eq!(stats.requests().started(), 0, "no handler ran");
        assert_eq!(stats.malformed(), 1, "hyper's 400 is counted");
    });
}

/// An HTTP/2 client's preface gets no answer (this gateway speaks HTTP/1.1 only),
/// its connection closes, and it is not counted among the malformed requests, each
/// of which hyper answered.
pub fn an_http2_preface_is_closed_unanswered_and_not_counted_as_malformed<R: Launch>(rt: R) {
    serving(&rt, memory(&rt, Duration::ZERO), GatewayConfig::default(), |address, stats, _| {
        let mut connection = Connection::open(address);
        connection.send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        let (closed, answer) = connection.closed();
        assert!(closed && answer.is_none(), "closed without an answer: {answer:?}");
        until("the connection is let go", || stats.connections().completed() == 1);
        assert_eq!((stats.requests().started(), stats.malformed()), (0, 0));
    });
}

/// Connections opened one after another, each closed after its answer, are every one
/// served: the end of one connection does not cost the next its accept. (On io_uring
/// an accept dropped after the kernel had completed it lost that connection, and the
/// gateway once made its accept anew whenever a connection ended.)
pub fn every_connection_of_a_sequence_is_served<R: Launch>(rt: R) {
    const SEQUENCE: usize = 100;
    // A fetch that waits keeps each connection's task alive past its client's next
    // connect, where the race was.
    let source = memory(&rt, Duration::from_millis(1));
    serving(&rt, source, GatewayConfig::default(), |address, stats, _| {
        for n in 1..=SEQUENCE {
            let mut connection = Connection::open(address);
            connection.send(
                format!("GET {} HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n", path(1))
                    .as_bytes(),
            );
            let (closed, answer) = connection.closed();
            assert_eq!(answer.map(|a| a.status), Some(200), "connection {n} of {SEQUENCE}");
            assert!(closed, "connection {n} closes after its answer");
        }
        assert_eq!(stats.connections().started(), SEQUENCE);
    });
}

/// A record service that fails is a 502 naming the user and the cause; an unknown
/// user is a 404 naming the user.
pub fn failing_record_service_is_a_502_naming_the_user<R: Launch>(rt: R) {
    let faults = WireFaultPlan::new(1.0, 1, &[WireFault::ServerError]).unwrap();
    let failing = service(ServiceConfig { faults, ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, failing.address()).with_timeout(HANG_LIMIT);
    serving(&rt, source, GatewayConfig::default(), |address, _, _| {
        let answer = Connection::open(address).request("GET", &path(7));
        assert_json_error(&answer, 502, "(7) failed: HTTP 500");
    });
    let few = service(ServiceConfig { users: Some(10), ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, few.address()).with_timeout(HANG_LIMIT);
    serving(&rt, source, GatewayConfig::default(), |address, stats, _| {
        let mut connection = Connection::open(address);
        assert_json_error(&connection.request("GET", &path(11)), 404, "no user 11");
        assert_eq!(connection.request("GET", &path(10)).status, 200);
        assert_eq!((stats.answered_with(404), stats.answered_with(200)), (1, 1));
    });
}

/// Every id is a user, in memory and over HTTP alike, as in the article: user 0 has
/// no orders, and the gateway answers the same for it from either source.
pub fn an_id_without_orders_is_the_same_user_from_memory_and_over_http<R: Launch>(rt: R) {
    const USER_0: &str = r#"{"user":{"user_id":0,"user_name":"user-0"},"orders":[]}"#;
    serving(&rt, memory(&rt, Duration::ZERO), GatewayConfig::default(), |address, _, _| {
        let answer = Connection::open(address).request("GET", &path(0));
        assert_eq!((answer.status, answer.body.as_str()), (200, USER_0), "from memory");
    });
    let records = service(ServiceConfig::default());
    let source = HttpSource::new(&rt, records.address()).with_timeout(HANG_LIMIT);
    serving(&rt, source, GatewayConfig::default(), |address, _, _| {
        let answer = Connection::open(address).request("GET", &path(0));
        assert_eq!((answer.status, answer.body.as_str()), (200, USER_0), "over HTTP");
    });
}

/// A record service slower than the fetch timeout is a 504 naming the user, and the
/// request's fetches are dropped with it.
pub fn record_service_slower_than_the_fetch_timeout_is_a_504<R: Launch>(rt: R) {
    let slow = service(ServiceConfig { delay: HANG_LIMIT, ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, slow.address()).with_timeout(HANG_LIMIT);
    let config = GatewayConfig { fetch_timeout: Duration::from_millis(50), ..Default::default() };
    serving(&rt, source, config, |address, stats, _| {
        let answer = Connection::open(address).request("GET", &path(3));
        assert_json_error(&answer, 504, "get_user_with_orders(3) took longer than 50.00 ms");
        assert_eq!(stats.fetches().live(), 0, "the timed-out fetches are gone");
        assert_eq!(stats.fetches().cancelled(), 2);
    });
}

/// A client that disconnects mid-request takes its request and fetches with it.
pub fn client_gone_mid_request_cancels_its_fetches<R: Launch>(rt: R) {
    let held = Gated::new(&rt);
    serving(&rt, held, GatewayConfig::default(), |address, stats, _| {
        let mut connection = Connection::open(address);
        connection.send_request("GET", &path(1));
        until("both fetches are in flight", || stats.fetches().live() == 2);
        drop(connection);
        until("the fetches are cancelled", || stats.fetches().live() == 0);
        until("the request is abandoned", || stats.requests().cancelled() == 1);
        assert_eq!(stats.fetches().cancelled(), 2);
        until("the connection is let go", || stats.connections().live() == 0);
    });
}

/// A client that sends its request head too slowly is disconnected once the header
/// timeout has passed, holding nothing.
pub fn slow_header_client_is_dropped_after_the_header_timeout<R: Launch>(rt: R) {
    let config = GatewayConfig { header_timeout: Duration::from_millis(100), ..Default::default() };
    serving(&rt, memory(&rt, Duration::ZERO), config, |address, stats, _| {
        let mut connection = Connection::open(address);
        connection.send(b"GET /users/1/with-orders HTTP/1.1\r\nHost: gate");
        let (closed, _) = connection.closed();
        assert!(closed, "the gateway closes a connection whose head never ends");
        until("the connection is let go", || stats.connections().live() == 0);
        assert_eq!(stats.requests().started(), 0, "no handler ran");
        assert_eq!(stats.malformed(), 0, "a slow head is not a malformed one");
    });
}

/// Beyond the in-flight limit a request is refused with 503 at once, while those
/// within it wait for their answers; once one finishes, a place is free again.
pub fn requests_beyond_the_in_flight_limit_are_a_503_at_once<R: Launch>(rt: R) {
    let held = Gated::new(&rt);
    let gate = held.open.clone();
    let limit = NonZeroUsize::new(2).unwrap();
    let config = GatewayConfig { max_in_flight: limit, ..Default::default() };
    serving(&rt, held, config, move |address, stats, _| {
        let mut waiting = [Connection::open(address), Connection::open(address)];
        for connection in &mut waiting {
            connection.send_request("GET", &path(1));
        }
        until("two requests are in flight", || stats.fetches().live() == 4);
        let mut third = Connection::open(address);
        assert_json_error(&third.request("GET", &path(2)), 503, "2 requests in flight");
        gate.store(true, SeqCst);
        for connection in &mut waiting {
            assert_eq!(connection.answer().expect("an answer").body, chained(1));
        }
        assert_eq!(third.request("GET", &path(2)).status, 200, "a place is free again");
    });
}

/// A stop closes the listeners (new connections are refused) and lets a request in
/// flight finish and be answered; an idle kept-alive connection is closed at once.
pub fn stop_refuses_new_connections_and_finishes_requests_in_flight<R: Launch>(rt: R) {
    let held = Gated::new(&rt);
    let gate = held.open.clone();
    serving(
        &rt,
        held,
        GatewayConfig { grace: HANG_LIMIT, ..Default::default() },
        move |address, stats, stop| {
            let mut idle = Connection::open(address);
            assert_eq!(idle.request("GET", &path(3)).body, chained(3), "user 3 is not held");
            let mut busy = Connection::open(address);
            busy.send_request("GET", &path(1));
            until("the request is in flight", || stats.fetches().live() == 2);
            stop.now();
            until("new connections are refused", || std::net::TcpStream::connect(address).is_err());
            assert!(idle.closed().0, "an idle connection is closed at the stop");
            gate.store(true, SeqCst);
            let (closed, answer) = busy.closed();
            assert_eq!(
                answer.map(|a| a.body),
                Some(chained(1)),
                "the request in flight is answered"
            );
            assert!(closed, "and then its connection closes");
            assert_eq!(stats.connections().cancelled(), 0, "nothing was cut off");
        },
    );
}

/// A stop reaches every connection, however many are open: 200 idle kept-alive
/// connections are all closed and the gateway returns. (Woken from the stopping
/// thread all at once, they once deadlocked compio, whose queue for wakes from
/// other threads holds 64.)
pub fn stop_closes_every_one_of_many_idle_connections<R: Launch>(rt: R) {
    const OPEN: usize = 200;
    // Neither the grace period nor the header timeout may be what closes them.
    let config = GatewayConfig { grace: HANG_LIMIT, header_timeout: FOREVER, ..Default::default() };
    let stats = serving(&rt, memory(&rt, Duration::ZERO), config, |address, stats, stop| {
        let mut open: Vec<Connection> = (0..OPEN).map(|_| Connection::open(address)).collect();
        for connection in &mut open {
            assert_eq!(connection.request("GET", &path(1)).status, 200);
        }
        until("every connection is open", || stats.connections().live() == OPEN);
        stop.now();
        for connection in &mut open {
            assert!(connection.closed().0, "an idle connection is closed at the stop");
        }
        stats.clone()
    });
    assert_eq!(stats.connections().cancelled(), 0, "closed by the stop, none cut off");
}

/// Requests still in flight when the grace period runs out are cut off with their
/// connections, and their fetches with them, all gone before the gateway returns
/// (which `serving` checks as it returns: a runtime may end a cancelled task later).
pub fn stop_cuts_off_requests_still_in_flight_after_the_grace_period<R: Launch>(rt: R) {
    const BUSY: usize = 16;
    let config = GatewayConfig { grace: Duration::from_millis(50), ..Default::default() };
    let held = Gated::new(&rt);
    let stats = serving(&rt, held, config, |address, stats, stop| {
        let mut busy: Vec<Connection> = (0..BUSY).map(|_| Connection::open(address)).collect();
        for connection in &mut busy {
            connection.send_request("GET", &path(1));
        }
        until("the requests are in flight", || stats.fetches().live() == 2 * BUSY);
        stop.now();
        for connection in &mut busy {
            let (closed, answer) = connection.closed();
            assert!(closed && answer.is_none(), "cut off without an answer: {answer:?}");
        }
        stats.clone()
    });
    let left =
        (stats.connections().cancelled(), stats.requests().cancelled(), stats.fetches().live());
    assert_eq!(left, (BUSY, BUSY, 0), "connections and requests cut off, no fetch left");
}

/// The article's data, each fetch for user 1 held until the gate opens: a request in
/// flight for as long as a case needs, without timing, while other users pass.
#[derive(Clone)]
struct Gated<R> {
    rt: R,
    open: Arc<AtomicBool>,
}

impl<R: Launch> Gated<R> {
    fn new(rt: &R) -> Self {
        Gated { rt: rt.clone(), open: Arc::default() }
    }

    async fn pass(&self, user_id: UserId) {
        while user_id == 1 && !self.open.load(SeqCst) {
            self.rt.sleep(Duration::from_millis(1)).await;
        }
    }
}

impl<R: Launch> DataSource for Gated<R> {
    async fn fetch_user(&self, user_id: UserId) -> Result<User, FetchError> {
        self.pass(user_id).await;
        Ok(User::new(user_id))
    }

    async fn fetch_orders(&self, user_id: UserId) -> Result<Vec<OrderId>, FetchError> {
        self.pass(user_id).await;
        Ok(article_orders(user_id).to_vec())
    }
}

/// The batch route answers every user of its list at once, in the order asked, each
/// as the one-user route would; a list that is not 1 to 1,000 ids is a 400 saying
/// what is allowed; a user the service does not know is a 404, and a failing service
/// a 502, each naming the first such user in the list.
pub fn batch_route_answers_every_user_in_order_and_refuses_a_bad_list<R: Launch>(rt: R) {
    let source = memory(&rt, Duration::from_millis(2));
    serving(&rt, source, GatewayConfig::default(), |address, stats, _| {
        let mut connection = Connection::open(address);
        let answer = connection.request("GET", "/users/with-orders?ids=3,1,2,1");
        let expected = format!("[{}]", [3, 1, 2, 1].map(chained).join(","));
        assert_eq!((answer.status, answer.body.as_str()), (200, expected.as_str()));
        assert_eq!(stats.fetches().peak(), 8, "every user's two fetches in flight together");
        let too_many = (1..=1001).map(|id| id.to_string()).collect::<Vec<_>>().join(",");
        let too_many = format!("/users/with-orders?ids={too_many}");
        let bad = [
            ("/users/with-orders", "takes ?ids= and 1 to 1000 user ids"),
            ("/users/with-orders?ids=1,,2", "is not a user id"),
            ("/users/with-orders?ids=1,x", "is not a user id"),
            (too_many.as_str(), "1001 ids asked for, more than the 1000 allowed"),
        ];
        for (path, says) in bad {
            assert_json_error(&connection.request("GET", path), 400, says);
        }
        assert_eq!(stats.answered_with(400), 4);
        assert_eq!(
            connection.request("GET", "/users/with-orders?ids=5").body,
            format!("[{}]", chained(5))
        );
    });
    let few = service(ServiceConfig { users: Some(10), ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, few.address()).with_timeout(HANG_LIMIT);
    serving(&rt, source, GatewayConfig::default(), |address, _, _| {
        let answer = Connection::open(address).request("GET", "/users/with-orders?ids=9,12,10,11");
        assert_json_error(&answer, 404, "no user 12");
    });
    let faults = WireFaultPlan::new(1.0, 1, &[WireFault::ServerError]).unwrap();
    let failing = service(ServiceConfig { faults, ..ServiceConfig::default() });
    let source = HttpSource::new(&rt, failing.address()).with_timeout(HANG_LIMIT);
    serving(&rt, source, GatewayConfig::default(), |address, _, _| {
        let answer = Connection::open(address).request("GET", "/users/with-orders?ids=4,2");
        assert_json_error(&answer, 502, "(4) failed: HTTP 500");
    });
}
