//! The portal simulator on the wire: garbage gets 400 and the server keeps serving, keep-alive
//! serves two requests on one connection, and the data proxy survives hostile numbers.

mod sim_server_support;

use nianbao_sim::Simulator;
use sim_server_support::*;

#[tokio::test]
async fn garbage_gets_400_and_the_server_keeps_serving() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let site = sim.site("trs");
    let garbage: [&[u8]; 4] = [
        b"GARBAGE\r\n\r\n",
        b"GET /index.html HTTP/9.9\r\n\r\n",
        b"\xff\xfe\x00binary\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
    ];
    for bytes in garbage {
        let resp = parse(&raw_exchange(&site.host(), bytes).await);
        assert_eq!(resp.status, 400, "{:?}", String::from_utf8_lossy(bytes));
    }
    let ok = get_raw(site, "/index.html", "").await;
    assert_eq!(ok.status, 200);
    let log = site.requests();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [400, 400, 400, 400, 200]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn keep_alive_serves_two_requests_on_one_connection() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let site = sim.site("trs");
    let two = format!(
        "GET /robots.txt HTTP/1.1\r\nHost: {h}\r\n\r\nGET /xwzx/index.html HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n",
        h = site.host()
    );
    let bytes = raw_exchange(&site.host(), two.as_bytes()).await;
    let first = parse(&bytes);
    assert_eq!(first.header("connection"), Some("keep-alive"));
    let split = bytes
        .windows(9)
        .rposition(|w| w == b"HTTP/1.1 ")
        .expect("second response");
    let second = parse(&bytes[split..]);
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(second.header("connection"), Some("close"));
    let paths: Vec<String> = site.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(paths, ["/robots.txt", "/xwzx/index.html"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn dataproxy_survives_hostile_numbers() {
    let sim = Simulator::start_standard().await.expect("simulator starts");
    let site = sim.site("hanweb");
    // Spend the scripted 429 first (it is the site's 3rd request).
    for _ in 0..3 {
        get_raw(site, "/robots.txt", "").await;
    }
    for query in [
        "page=18446744073709551615&perpage=18446744073709551615",
        "startrecord=0&endrecord=0",
        "startrecord=999&endrecord=5",
        "perpage=abc&page=-1",
    ] {
        let resp = get_raw(
            site,
            &format!("/module/web/jpage/dataproxy.jsp?{query}"),
            "",
        )
        .await;
        assert_eq!(resp.status, 200, "{query}");
        assert!(String::from_utf8_lossy(&resp.body).ends_with("</recordset></datastore>"));
    }
    sim.shutdown().await;
}
