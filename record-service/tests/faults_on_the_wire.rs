//! What each injected fault looks like on the wire, read with a plain blocking socket,
//! so that a client's test of a fault tests that fault and not another.

mod wire;

use chain_http::{WireFault, WireFaultPlan};
use record_service::{RecordService, ServiceConfig};
use wire::{exchange, head_and_body};

const ORDERS_OF_USER_1: &str = "[1,3,10,11]";

/// Every request faulted with `fault`; the bytes that come back for user 1's orders
/// before the service closes the connection.
fn raw_answer(fault: WireFault) -> String {
    let faults = WireFaultPlan::new(1.0, 0, &[fault]).unwrap();
    let service = RecordService::start(ServiceConfig { faults, ..ServiceConfig::default() })
        .expect("the service starts");
    exchange(service.address(), "GET", "/users/1/orders")
}

#[test]
fn truncated_answer_announces_the_whole_body_and_sends_part_of_it() {
    let answer = raw_answer(WireFault::Truncate);
    let (head, body) = head_and_body(&answer);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    let announced = format!("content-length: {}", ORDERS_OF_USER_1.len());
    assert!(head.to_ascii_lowercase().contains(&announced), "{head}");
    assert!(!body.is_empty() && body.len() < ORDERS_OF_USER_1.len(), "body {body:?}");
    assert!(ORDERS_OF_USER_1.starts_with(body), "body {body:?}");
}

#[test]
fn dropped_connection_sends_nothing() {
    assert_eq!(raw_answer(WireFault::Drop), "");
}

#[test]
fn server_error_is_a_500() {
    assert!(raw_answer(WireFault::ServerError).starts_with("HTTP/1.1 500"));
}

#[test]
fn malformed_json_is_a_whole_answer_whose_body_is_not_json() {
    let answer = raw_answer(WireFault::MalformedJson);
    let (head, body) = head_and_body(&answer);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    let announced = format!("content-length: {}", body.len());
    assert!(head.to_ascii_lowercase().contains(&announced), "a whole answer: {head}");
    assert!(serde_json::from_str::<serde_json::Value>(body).is_err(), "body {body:?} is JSON");
}
