//! Bad input is a typed error before anything is sent: the server sees nothing.

use authn_session::{Error, ListOptions, RefreshOptions};
use authn_session_tests::MockServer;

fn bad_values() -> Vec<String> {
    vec![
        String::new(),
        "   ".into(),
        "\t\r\n".into(),
        "ptu_with space".into(),
        "ptu_\u{0}nul".into(),
        "ptu_\u{1b}[31m".into(),
        "ptu_ünïcödé".into(),
        "x".repeat(1024 * 1024),
    ]
}

fn assert_invalid<T: std::fmt::Debug>(result: Result<T, Error>, field: &str, value: &str) {
    match result {
        Err(Error::InvalidInput {
            field: f, reason, ..
        }) => {
            assert_eq!(f, field);
            assert!(
                value.trim().is_empty() || !reason.contains(value),
                "the value must not be echoed"
            );
        }
        other => panic!("{field}={value:.20?}: {other:?}"),
    }
}

#[tokio::test]
async fn every_call_refuses_bad_tokens_and_ids_before_sending() {
    let server = MockServer::start().await;
    let authn = server.authn();
    let client = authn.client().session();
    for bad in bad_values() {
        let b = bad.as_str();
        assert_invalid(authn.session().invalidate(b).await, "session_id", b);
        // An identity may hold spaces (Pangea's format): that one is sent.
        if b != "ptu_with space" {
            assert_invalid(authn.session().logout(b).await, "user_id", b);
        }
        assert_invalid(client.invalidate(b, "pmt_ok").await, "token", b);
        assert_invalid(client.invalidate("ptu_ok", b).await, "session_id", b);
        assert_invalid(client.list(b, ListOptions::new()).await, "token", b);
        assert_invalid(client.logout(b).await, "token", b);
        assert_invalid(
            client.refresh(b, RefreshOptions::new()).await,
            "refresh_token",
            b,
        );
        assert_invalid(
            client
                .refresh("ptr_ok", RefreshOptions::new().user_token(b))
                .await,
            "user_token",
            b,
        );
        let first =
            futures::StreamExt::collect::<Vec<_>>(client.list_all(b, ListOptions::new())).await;
        assert_eq!(first.len(), 1);
        assert_invalid(first.into_iter().next().unwrap(), "token", b);
        assert_invalid(
            authn.poll_result::<serde_json::Value>(b).await,
            "request_id",
            b,
        );
    }
    for bad in ["pui_a@b", "pui_a\\b", "pui_{x}"] {
        assert_invalid(authn.session().logout(bad).await, "user_id", bad);
    }
    // (The bounds in the message are not an echo of the value: pass "" to skip that check.)
    for size in [0, u64::MAX] {
        assert_invalid(
            authn.session().list(ListOptions::new().size(size)).await,
            "size",
            "",
        );
    }
    assert_invalid(
        authn.session().list(ListOptions::new().last("a\nb")).await,
        "last",
        "a\nb",
    );
    assert_eq!(
        server.requests().len(),
        0,
        "no request may reach the server"
    );
}

#[test]
fn bad_service_tokens_and_configs_are_refused_when_building() {
    let config = || authn_session::Config::builder().build().unwrap();
    for bad in bad_values() {
        assert_invalid(authn_session::AuthN::new(&bad, config()), "token", &bad);
    }
    let err = authn_session::Config::builder()
        .base_url_template("::not a url")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}
