//! What the service answers without faults: 404s that say why in JSON, HEAD as GET
//! without its body, and other methods refused.

mod wire;

use record_service::{RecordService, ServiceConfig};
use wire::{exchange, head_and_body};

/// The answer to `method path` from a service with the default configuration.
fn answer(method: &str, path: &str) -> String {
    let service = RecordService::start(ServiceConfig::default()).expect("the service starts");
    exchange(service.address(), method, path)
}

/// The value of header `name` (lower case) in `head`.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[test]
fn every_id_is_a_user_as_in_memory_one_without_orders_has_none() {
    let user = answer("GET", "/users/0");
    let (head, body) = head_and_body(&user);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(body, r#"{"user_id":0,"user_name":"user-0"}"#);
    let answer = answer("GET", "/users/4000000000/orders");
    assert_eq!(head_and_body(&answer).1, "[]");
}

#[test]
fn unknown_user_is_a_404_whose_json_body_names_the_user() {
    let config = ServiceConfig { users: Some(10), ..ServiceConfig::default() };
    let service = RecordService::start(config).expect("the service starts");
    assert!(exchange(service.address(), "GET", "/users/0/orders").starts_with("HTTP/1.1 404"));
    let answer = exchange(service.address(), "GET", "/users/0");
    let (head, body) = head_and_body(&answer);
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    assert_eq!(header(head, "content-type"), Some("application/json"), "{head}");
    assert_eq!(body, r#"{"error":"no user 0"}"#);
    assert_eq!(header(head, "content-length"), Some(body.len().to_string().as_str()));
}

#[test]
fn unknown_path_is_a_404_whose_json_body_names_the_path() {
    let answer = answer("GET", "/x");
    let (head, body) = head_and_body(&answer);
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    assert_eq!(body, r#"{"error":"no such path /x"}"#);
}

#[test]
fn head_answers_as_get_without_the_body() {
    for path in ["/users/1", "/users/1/orders", "/users/0", "/x"] {
        let get = answer("GET", path);
        let head = answer("HEAD", path);
        let (get_head, get_body) = head_and_body(&get);
        let (head_head, head_body) = head_and_body(&head);
        assert_eq!(head_head.lines().next(), get_head.lines().next(), "{path}");
        for name in ["content-type", "content-length"] {
            assert_eq!(header(head_head, name), header(get_head, name), "{path}: {name}");
        }
        assert_eq!(header(head_head, "content-length"), Some(get_body.len().to_string().as_str()));
        assert_eq!(head_body, "", "{path}: HEAD sent a body");
    }
}

#[test]
fn other_methods_are_refused_saying_which_are_allowed() {
    let answer = answer("POST", "/users/1");
    let (head, body) = head_and_body(&answer);
    assert!(head.starts_with("HTTP/1.1 405"), "{head}");
    assert_eq!(header(head, "allow"), Some("GET, HEAD"), "{head}");
    assert_eq!(body, r#"{"error":"only GET and HEAD"}"#);
}

#[test]
fn a_hedge_copy_header_that_is_not_a_number_is_a_400_saying_so() {
    let service = RecordService::start(ServiceConfig::default()).expect("the service starts");
    let request =
        "GET /users/1 HTTP/1.1\r\nHost: x\r\nHedge-Copy: two\r\nConnection: close\r\n\r\n";
    let answer = wire::send(service.address(), request);
    let (head, body) = head_and_body(&answer);
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    assert_eq!(body, r#"{"error":"hedge-copy: \"two\" is not a copy number (0, 1, ...)"}"#);
    let request = "GET /users/1 HTTP/1.1\r\nHost: x\r\nHedge-Copy: 1\r\nConnection: close\r\n\r\n";
    assert!(wire::send(service.address(), request).starts_with("HTTP/1.1 200"));
}
