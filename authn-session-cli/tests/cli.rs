//! The `authn-session` binary as an operator runs it, against the
//! `authn-emulator` binary over loopback: every command and output format,
//! every exit code, the revoke sequence (dry run, refusal, run), and the
//! emulator's state and journal afterwards, read through its admin API.

use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Output, Stdio},
};

use serde_json::{json, Value};

const TOKEN: &str = "pts_clitestservicetoken000000000000";

/// The `authn-emulator` binary serving `tests/fixtures.json`; killed on drop.
struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulator_binary() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_BIN_EXE_authn-session"))
        .with_file_name(format!("authn-emulator{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built: run `cargo test --workspace` (or `cargo build -p authn-emulator` first)",
        path.display()
    );
    path
}

fn fixtures_path() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures.json").to_string()
}

fn fixtures() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures_path()).unwrap()).unwrap()
}

impl Emulator {
    fn start() -> Emulator {
        Self::start_with(&["--fixtures", &fixtures_path()])
    }

    /// The emulator binary with `args` (its data) after the address and token.
    fn start_with(args: &[&str]) -> Emulator {
        let child = Command::new(emulator_binary())
            .args(["--addr", "127.0.0.1:0", "--service-token", TOKEN])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the emulator binary");
        let mut emulator = Emulator {
            child,
            url: String::new(),
        };
        let stdout = emulator.child.stdout.take().expect("stdout");
        for line in BufReader::new(stdout).lines() {
            if let Some(url) = line.expect("utf-8").strip_prefix("listening on ") {
                emulator.url = url.to_string();
                return emulator;
            }
        }
        panic!("the emulator exited without saying where it listens");
    }

    /// `authn-session ARGS` with this emulator's URL and token in the environment.
    fn cli(&self, args: &[&str]) -> Run {
        self.cli_with(args, |c| c)
    }

    fn cli_with(&self, args: &[&str], adjust: impl FnOnce(&mut Command) -> &mut Command) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_authn-session"));
        command
            .args(args)
            .env("PANGEA_AUTHN_TOKEN", TOKEN)
            .env("PANGEA_BASE_URL", &self.url)
            .env_remove("PANGEA_DOMAIN")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        adjust(&mut command);
        Run(command.output().expect("run authn-session"))
    }

    fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = authn_session::http_client_builder().build().unwrap();
            let mut request = client
                .request(method.parse().unwrap(), format!("{}{path}", self.url))
                .bearer_auth(TOKEN);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            let body = response.bytes().await.unwrap();
            if body.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&body).unwrap()
            }
        })
    }

    fn clear_journal(&self) {
        self.admin("DELETE", "/_emulator/journal", None);
    }

    /// How many journaled requests had this operation.
    fn count(&self, operation: &str) -> usize {
        self.admin("GET", "/_emulator/journal", None)
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["operation"] == operation)
            .count()
    }

    /// Session ids alive now, per user email.
    fn sessions(&self) -> Vec<(String, BTreeSet<String>)> {
        let state = self.admin("GET", "/_emulator/state", None);
        state["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                let ids = u["sessions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["id"].as_str().unwrap().to_string())
                    .collect();
                (u["email"].as_str().unwrap().to_string(), ids)
            })
            .collect()
    }

    fn alive(&self) -> BTreeSet<String> {
        self.sessions()
            .into_iter()
            .flat_map(|(_, ids)| ids)
            .collect()
    }

    /// API requests the emulator handled.
    fn requests(&self) -> usize {
        self.admin("GET", "/_emulator/journal", None)
            .as_array()
            .unwrap()
            .len()
    }
}

#[track_caller]
fn has(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} is not in:\n{text}");
}

struct Run(Output);

impl Run {
    fn code(&self) -> i32 {
        self.0.status.code().expect("exited")
    }
    fn stdout(&self) -> String {
        String::from_utf8(self.0.stdout.clone()).unwrap()
    }
    fn stderr(&self) -> String {
        String::from_utf8(self.0.stderr.clone()).unwrap()
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| panic!("{e}: {}", self.stdout()))
    }
    #[track_caller]
    fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

fn all_ids() -> BTreeSet<String> {
    fixtures()["users"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["sessions"].as_array().unwrap().clone())
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

fn ids_of(json: &Value) -> BTreeSet<String> {
    json.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

const ALICE: [&str; 3] = [
    "pmt_aliceattacker00000000000000000",
    "pmt_alicelaptop0000000000000000000",
    "pmt_alicephone00000000000000000000",
];
const ALICE_ID: &str = "pui_alice00000000000000000000000000";
const BOB: [&str; 2] = [
    "pmt_boblaptop00000000000000000000000",
    "pmt_bobphone000000000000000000000000",
];
const CAROL: [&str; 2] = [
    "pmt_caroladmin000000000000000000000",
    "pmt_carollaptop00000000000000000000",
];

#[test]
fn list_writes_every_session_in_each_format() {
    let emulator = Emulator::start();
    let json = emulator.cli(&["list", "--output", "json"]).expect(0).json();
    assert_eq!(ids_of(&json), all_ids());
    assert_eq!(json[0]["identity"], "pui_alice00000000000000000000000000");
    assert!(json[0]["active_token"]["id"].is_string());

    let table = emulator.cli(&["list"]).expect(0).stdout();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1 + 7);
    assert!(lines[0].starts_with("SESSION ID"), "{table}");
    for header in ["USER", "EMAIL", "CREATED", "EXPIRES", "SCOPES"] {
        assert!(lines[0].contains(header), "{header}");
    }
    // Aligned: every row's email starts in the header's EMAIL column.
    let column = lines[0].find("EMAIL").unwrap();
    let phone = lines
        .iter()
        .find(|l| l.starts_with("pmt_alicephone"))
        .unwrap();
    assert_eq!(&phone[column..column + 17], "alice@example.com");
    assert!(phone.ends_with("mobile"), "{phone}");
    assert!(phone.contains("2026-11-20T08:00:00Z"));

    let ndjson = emulator.cli(&["list", "-o", "ndjson"]).expect(0).stdout();
    let parsed: Vec<Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ids_of(&Value::Array(parsed)), all_ids());

    let csv = emulator.cli(&["list", "-o", "csv"]).expect(0).stdout();
    let mut rows = csv.lines();
    assert_eq!(rows.next(), Some("id,user,email,created_at,expire,scopes"));
    assert!(csv.contains(
        "pmt_caroladmin000000000000000000000,pui_carol00000000000000000000000000,carol@tenant.example,2026-11-05T08:00:00Z,2099-01-01T00:00:00Z,admin\n"
    ));
    assert_eq!(rows.count(), 7);
}

#[test]
fn a_whole_export_reads_ahead_and_a_limit_asks_for_no_page_it_does_not_need() {
    let emulator = Emulator::start();
    // 2,500 sessions: three pages of 1,000.
    let users: Vec<Value> = (0..250)
        .map(|u| {
            let sessions: Vec<Value> = (0..10)
                .map(|n| {
                    json!({
                        "id": format!("pmt_bulk{u:04}{n:02}"),
                        "user_token": format!("ptu_bulk{u:04}{n:02}"),
                        "refresh_token": format!("ptr_bulk{u:04}{n:02}"),
                        "created_at": "2026-11-01T08:00:00Z",
                        "expire": "2099-01-01T00:00:00Z",
                        "scopes": []
                    })
                })
                .collect();
            json!({"id": format!("pui_bulk{u:04}"), "email": format!("bulk{u}@example.com"), "sessions": sessions})
        })
        .collect();
    emulator.admin("PUT", "/_emulator/state", Some(json!({ "users": users })));

    emulator.clear_journal();
    let all = emulator.cli(&["list", "-o", "ndjson"]).expect(0).stdout();
    let rows: Vec<Value> = all
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids = ids_of(&Value::Array(rows));
    assert_eq!((all.lines().count(), ids.len()), (2500, 2500));
    assert_eq!(emulator.count("session_list"), 3);

    // Reading ahead would ask for a third page the limit never reaches.
    emulator.clear_journal();
    let some = emulator
        .cli(&["list", "-o", "ndjson", "--limit", "1500"])
        .expect(0)
        .stdout();
    assert_eq!(some.lines().count(), 1500);
    assert_eq!(emulator.count("session_list"), 2);
}

#[test]
fn list_filters_orders_and_limits() {
    let emulator = Emulator::start();
    let ids = |args: &[&str]| {
        let mut all = vec!["list", "-o", "json"];
        all.extend_from_slice(args);
        ids_of(&emulator.cli(&all).expect(0).json())
    };
    assert_eq!(
        ids(&["--user", "pui_alice00000000000000000000000000"]),
        set(&ALICE)
    );
    assert_eq!(ids(&["--email", "alice@example.com"]), set(&ALICE));
    // The older variable name the SDK's Config::from_env reads works too.
    let older = emulator
        .cli_with(&["list", "-o", "json", "--user", ALICE_ID], |c| {
            c.env_remove("PANGEA_BASE_URL")
                .env("PANGEA_BASE_URL_TEMPLATE", &emulator.url)
        })
        .expect(0);
    assert_eq!(ids_of(&older.json()), set(&ALICE));
    assert_eq!(
        ids(&["--email-contains", "tenant"]),
        set(&[
            "pmt_caroladmin000000000000000000000",
            "pmt_carollaptop00000000000000000000"
        ])
    );
    // A --*-contains flag given twice must match both values: alice and
    // carol have "example" in their email but not ".org".
    assert_eq!(
        ids(&["--email-contains", "example", "--email-contains", ".org"]),
        set(&BOB)
    );
    assert_eq!(ids(&["--username", "bobby"]), set(&BOB));
    assert_eq!(
        ids(&["--username", "alice@example.com"]),
        set(&ALICE),
        "no username: the email"
    );
    assert_eq!(ids(&["--disabled"]), set(&BOB));
    assert_eq!(ids(&["--enabled"]).len(), ALICE.len() + CAROL.len());
    assert_eq!(ids(&["--profile", "department=ops"]), set(&BOB));
    assert_eq!(
        ids(&[
            "--profile-contains",
            "department=sec",
            "--profile-contains",
            "department=oper"
        ]),
        set(&CAROL)
    );
    assert_eq!(ids(&["--profile-missing", "department"]), set(&ALICE));
    assert_eq!(
        ids(&["--profile-exists", "department"]).len(),
        BOB.len() + CAROL.len()
    );
    assert_eq!(
        ids(&["--scope", "admin"]),
        set(&["pmt_caroladmin000000000000000000000"])
    );
    assert_eq!(
        ids(&[
            "--scope",
            "mobile",
            "--user",
            "pui_bob0000000000000000000000000000"
        ]),
        set(&["pmt_bobphone000000000000000000000000"])
    );
    assert_eq!(
        ids(&["--created-after", "2026-11-20T00:00:00Z"]),
        set(&[
            "pmt_alicephone00000000000000000000",
            "pmt_aliceattacker00000000000000000"
        ])
    );
    assert_eq!(
        ids(&[
            "--session-id",
            "pmt_boblaptop00000000000000000000000",
            "--session-id",
            "pmt_bobphone000000000000000000000000"
        ]),
        set(&[
            "pmt_boblaptop00000000000000000000000",
            "pmt_bobphone000000000000000000000000"
        ])
    );
    // A relative time: nothing expires within the next week.
    assert!(ids(&["--expires-before", "7d"]).is_empty());
    assert_eq!(ids(&["--expires-after", "7d"]), all_ids());
    let newest = emulator
        .cli(&[
            "list",
            "-o",
            "json",
            "--order-by",
            "created_at",
            "--order",
            "desc",
            "--limit",
            "2",
        ])
        .expect(0)
        .json();
    let newest: Vec<&str> = newest
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        newest,
        [
            "pmt_aliceattacker00000000000000000",
            "pmt_alicephone00000000000000000000"
        ]
    );
}

#[test]
fn invalidate_and_logout_end_what_they_name() {
    let emulator = Emulator::start();
    let run = emulator.cli(&["invalidate", ALICE[0], ALICE[1]]).expect(0);
    assert_eq!(
        run.stdout(),
        format!("ended session {}\nended session {}\n", ALICE[0], ALICE[1])
    );
    let run = emulator
        .cli(&["logout", "pui_bob0000000000000000000000000000"])
        .expect(0);
    assert_eq!(
        run.stdout(),
        "ended every session of user pui_bob0000000000000000000000000000\n"
    );
    let expected: BTreeSet<String> = all_ids()
        .into_iter()
        .filter(|id| !id.starts_with("pmt_bob") && id != ALICE[0] && id != ALICE[1])
        .collect();
    assert_eq!(emulator.alive(), expected);
    // An identity with spaces and punctuation is Pangea's format: it is sent
    // (this emulator has no such user: 404, exit 1), never refused as input.
    emulator.clear_journal();
    let run = emulator.cli(&["logout", "svc:ops/o'brien bot"]).expect(1);
    has(&run.stderr(), "NotFound");
    assert_eq!(emulator.count("session_logout"), 1);
}

#[test]
fn revoke_previews_refuses_without_yes_then_ends_exactly_what_it_reported() {
    let emulator = Emulator::start();
    let before = emulator.alive();
    let filter = ["--user", "pui_alice00000000000000000000000000"];

    let dry = emulator
        .cli(&[&["revoke", "--dry-run", "-o", "json"], &filter[..]].concat())
        .expect(0)
        .json();
    assert_eq!(dry["matched"], 3);
    assert_eq!(dry["ended"], 0);
    assert_eq!(dry["dry_run"], true);
    let previewed: BTreeSet<String> = dry["session_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_string())
        .collect();
    assert_eq!(previewed, set(&ALICE));
    assert_eq!(emulator.alive(), before, "a dry run ends nothing");

    // No terminal to ask on, no --yes: refused, and it says what it would end.
    let refused = emulator.cli(&[&["revoke"], &filter[..]].concat()).expect(2);
    has(
        &refused.stderr(),
        "refusing to end 3 session(s) without confirmation",
    );
    has(&refused.stderr(), "--yes");
    for id in ALICE {
        has(&refused.stdout(), id);
    }
    assert_eq!(emulator.alive(), before, "a refusal ends nothing");

    emulator.clear_journal();
    let done = emulator
        .cli(&[&["revoke", "--yes", "-o", "json"], &filter[..]].concat())
        .expect(0);
    assert_eq!(done.json(), json!({"matched": 3, "ended": 3, "failed": []}));
    // With --yes there is no preview: one walk, one invalidate per session.
    assert_eq!(emulator.count("session_list"), 1);
    assert_eq!(emulator.count("session_invalidate"), 3);
    // Not a terminal: plain progress lines, ending at 3/3.
    has(&done.stderr(), "revoke: 3/3 settled (3 ended, 0 failed)");
    let after = emulator.alive();
    assert_eq!(
        before.difference(&after).cloned().collect::<BTreeSet<_>>(),
        set(&ALICE),
        "exactly the three reported sessions ended"
    );

    let table = emulator
        .cli(&["revoke", "--yes", "--email-contains", "tenant"])
        .expect(0)
        .stdout();
    assert_eq!(table, "matched 2, ended 2, failed 0\n");
    assert_eq!(emulator.alive().len(), 2, "only bob's sessions are left");
}

#[test]
fn records_missing_required_fields_are_listed_and_revoked_all_the_same() {
    let emulator = Emulator::start();
    // Of the seven sessions, the 2nd, 4th and 6th lack `identity`, the 3rd
    // and 6th `profile`: five values; and the envelopes differ too.
    let quirks = json!({"quirks": ["omit-field:identity:2", "omit-field:profile:3",
        "status-lowercase", "extra-fields"]});
    emulator.admin("POST", "/_emulator/quirks", Some(quirks));
    let listed = emulator.cli(&["list", "-o", "json"]).expect(0);
    assert_eq!(ids_of(&listed.json()), all_ids());
    has(
        &listed.stderr(),
        "warning: 5 required value(s) were missing",
    );
    let traced = emulator.cli(&["list", "-v", "-o", "json"]).expect(0);
    has(&traced.stderr(), "path=\"result.sessions[");
    has(&traced.stderr(), "client error correction");

    let done = emulator
        .cli(&["revoke", "--yes", "--all", "-o", "json"])
        .expect(0);
    assert_eq!(
        done.json(),
        json!({"matched": 7, "ended": 7, "failed": [], "corrected": 5})
    );
    has(&done.stderr(), "warning: 5 required value(s)");
    assert!(emulator.alive().is_empty(), "{:?}", emulator.alive());
}

#[test]
fn a_revoke_that_ends_some_but_not_all_exits_3_and_names_the_failure() {
    let emulator = Emulator::start();
    // The first invalidate is refused (400 is not retried); the rest succeed.
    emulator.admin(
        "POST",
        "/_emulator/faults",
        Some(json!({"path": "session_invalidate", "status": 400, "times": 1})),
    );
    let run = emulator
        .cli(&[
            "revoke",
            "--yes",
            "--concurrency",
            "1",
            "-o",
            "json",
            "--email-contains",
            "@example.",
        ])
        .expect(3);
    let report = run.json();
    assert_eq!(report["matched"], 5);
    assert_eq!(report["ended"], 4);
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    let failed_id = failed[0]["session_id"].as_str().unwrap();
    assert!(failed[0]["request_id"]
        .as_str()
        .unwrap()
        .starts_with("prq_"));
    assert!(
        failed[0]["error"].as_str().unwrap().contains("400"),
        "{failed:?}"
    );
    // The state agrees: the failed one and carol's two are alive.
    let alive = emulator.alive();
    assert_eq!(alive.len(), 3);
    assert!(alive.contains(failed_id));

    // Every invalidate refused: nothing ended, exit 1.
    emulator.admin(
        "POST",
        "/_emulator/faults",
        Some(json!({"path": "session_invalidate", "status": 400, "times": 10})),
    );
    let run = emulator
        .cli(&["revoke", "--yes", "--email-contains", "tenant"])
        .expect(1);
    assert!(
        run.stdout().starts_with("matched 2, ended 0, failed 2\n"),
        "{}",
        run.stdout()
    );
    has(&run.stdout(), "request id prq_");
}

#[test]
fn usage_errors_exit_2_and_send_nothing() {
    let emulator = Emulator::start();
    let missing = emulator
        .cli_with(&["list"], |c| c.env_remove("PANGEA_AUTHN_TOKEN"))
        .expect(2);
    assert!(missing
        .stderr()
        .starts_with("error: PANGEA_AUTHN_TOKEN is not set\nhint: export PANGEA_AUTHN_TOKEN="));
    let no_address = emulator
        .cli_with(&["list"], |c| c.env_remove("PANGEA_BASE_URL"))
        .expect(2);
    has(&no_address.stderr(), "PANGEA_DOMAIN");
    // The environment as the SDK reads it: a blank token is no token, and a
    // bad config id from PANGEA_AUTHN_CONFIG_ID is refused before anything is sent.
    let blank = emulator
        .cli_with(&["list"], |c| c.env("PANGEA_AUTHN_TOKEN", "  "))
        .expect(2);
    has(&blank.stderr(), "PANGEA_AUTHN_TOKEN is not set");
    let bad_config = emulator
        .cli_with(&["list"], |c| c.env("PANGEA_AUTHN_CONFIG_ID", "pci\u{7}"))
        .expect(2);
    has(&bad_config.stderr(), "config_id");
    let bad_time = emulator
        .cli(&["list", "--created-after", "yesterday"])
        .expect(2);
    has(&bad_time.stderr(), "neither an RFC 3339 time");
    let profile = emulator
        .cli(&["list", "--profile", "first_name=Alice"])
        .expect(2);
    has(&profile.stderr(), "letters only");
    let unknown = emulator.cli(&["list", "--colour"]).expect(2);
    assert!(
        unknown.stderr().starts_with("error: unexpected argument"),
        "{}",
        unknown.stderr()
    );
    let no_filter = emulator.cli(&["revoke", "--yes"]).expect(2);
    has(&no_filter.stderr(), "revoke needs a filter");
    // One bad id in a batch: none of the batch is sent.
    let bad_id = emulator.cli(&["invalidate", ALICE[0], "pmt_a b"]).expect(2);
    assert!(
        bad_id
            .stderr()
            .starts_with("error: argument 2: invalid input"),
        "{}",
        bad_id.stderr()
    );
    assert_eq!(emulator.requests(), 0, "nothing reached the emulator");
    assert_eq!(emulator.alive(), all_ids());
}

#[test]
fn api_errors_exit_1_with_the_request_id() {
    let emulator = Emulator::start();
    let unknown = emulator
        .cli(&["invalidate", "pmt_nosuchsession0000000000000000", ALICE[0]])
        .expect(1);
    has(
        &unknown.stderr(),
        "error: pmt_nosuchsession0000000000000000: ",
    );
    has(&unknown.stderr(), "\n  request id: prq_");
    has(&unknown.stderr(), "hint: nothing by that id is active");
    // The batch went on past the failure.
    assert_eq!(unknown.stdout(), format!("ended session {}\n", ALICE[0]));
    let wrong_token = emulator
        .cli_with(&["list"], |c| c.env("PANGEA_AUTHN_TOKEN", "pts_wrongtoken"))
        .expect(1);
    has(&wrong_token.stderr(), "request id: prq_");
    has(&wrong_token.stderr(), "hint: check that PANGEA_AUTHN_TOKEN");
    let nobody_listens = emulator
        .cli_with(&["list"], |c| {
            c.env("PANGEA_BASE_URL", "http://127.0.0.1:9")
        })
        .expect(1);
    has(&nobody_listens.stderr(), "hint: check --base-url");
}

#[test]
fn no_token_value_is_printed_even_at_vv() {
    let emulator = Emulator::start();
    let mut secrets = vec![TOKEN.to_string(), "pts_wrongtoken".to_string()];
    for user in fixtures()["users"].as_array().unwrap() {
        for s in user["sessions"].as_array().unwrap() {
            secrets.push(s["user_token"].as_str().unwrap().to_string());
            secrets.push(s["refresh_token"].as_str().unwrap().to_string());
        }
    }
    let runs = [
        emulator.cli(&["-vv", "list", "-o", "json"]).expect(0),
        emulator.cli(&["-vv", "list", "-o", "csv"]).expect(0),
        emulator
            .cli(&[
                "-v",
                "revoke",
                "--yes",
                "--user",
                "pui_bob0000000000000000000000000000",
            ])
            .expect(0),
        emulator
            .cli(&["-vv", "logout", "pui_carol00000000000000000000000000"])
            .expect(0),
        emulator
            .cli_with(&["-vv", "list"], |c| {
                c.env("PANGEA_AUTHN_TOKEN", "pts_wrongtoken")
            })
            .expect(1),
        emulator.cli(&["-vv", "verify"]).expect(0),
        emulator.cli(&["-vv", "verify", "-o", "json"]).expect(0),
        emulator
            .cli(&["-vv", "--log-format", "json", "list", "-o", "json"])
            .expect(0),
        emulator
            .cli_with(&["list", "-o", "csv"], |c| c.env("RUST_LOG", "trace"))
            .expect(0),
    ];
    for traced in [runs[7].stderr(), runs[8].stderr()] {
        has(&traced, "pangea.request");
    }
    let audit = tempfile("no-token-audit.ndjson");
    let audited = emulator
        .cli(&["-vv", "revoke", "--yes", "--all", "--audit", &audit])
        .expect(0);
    let audited = [
        audited.stdout(),
        audited.stderr(),
        std::fs::read_to_string(&audit).unwrap(),
    ];
    // Alice's three: bob's and carol's ended above.
    assert_eq!(audited[2].lines().count(), 3, "{}", audited[2]);
    for text in audited {
        for secret in &secrets {
            let piece = &secret[4..secret.len().min(16)];
            assert!(!text.contains(piece), "{piece} printed or written:\n{text}");
        }
    }
    for traced in [runs[0].stderr(), runs[5].stderr()] {
        assert!(
            traced.contains("session_list"),
            "-vv traces requests: {traced}"
        );
    }
    has(&runs[5].stderr(), "client_session_list");
    for run in &runs {
        for text in [run.stdout(), run.stderr()] {
            for secret in &secrets {
                // The random-looking part of a token (after `ptu_`) would be a leak.
                let piece = &secret[4..secret.len().min(16)];
                assert!(!text.contains(piece), "{piece} printed:\n{text}");
            }
        }
    }
}

#[test]
fn completions_and_the_emulator_flag_need_no_account() {
    let bash = Command::new(env!("CARGO_BIN_EXE_authn-session"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(bash.status.success());
    assert!(String::from_utf8(bash.stdout)
        .unwrap()
        .contains("_authn__session()"));
    let listed = Command::new(env!("CARGO_BIN_EXE_authn-session"))
        .args(["--emulator", "list", "-o", "ndjson"])
        .env_remove("PANGEA_AUTHN_TOKEN")
        .env_remove("PANGEA_BASE_URL")
        .env_remove("PANGEA_DOMAIN")
        .output()
        .unwrap();
    assert!(listed.status.success());
    assert_eq!(
        String::from_utf8(listed.stdout).unwrap().lines().count(),
        15
    );
    let notes = String::from_utf8(listed.stderr).unwrap();
    assert!(
        notes.contains("set PANGEA_AUTHN_TOKEN and PANGEA_DOMAIN"),
        "{notes}"
    );
}

/// `verify --output json` against the emulator with `quirks` on: the exit
/// code, and the records.
fn verify_with(emulator: &Emulator, quirks: &[&str], args: &[&str]) -> (i32, Vec<Value>) {
    emulator.admin("DELETE", "/_emulator/quirks", None);
    emulator.admin("POST", "/_emulator/quirks", Some(json!({"quirks": quirks})));
    let run = emulator.cli(&[&["verify", "--output", "json"], args].concat());
    let records: Vec<Value> =
        serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}: {}", run.stdout()));
    (run.code(), records)
}

/// The (check, case) of every record with `verdict`.
fn cases<'r>(records: &'r [Value], verdict: &str) -> BTreeSet<(&'r str, &'r str)> {
    records
        .iter()
        .filter(|r| r["verdict"] == verdict)
        .map(|r| (r["check"].as_str().unwrap(), r["case"].as_str().unwrap()))
        .collect()
}

#[test]
fn verify_matches_the_emulator_and_names_the_one_check_each_quirk_breaks() {
    let emulator = Emulator::start();
    let (code, records) = verify_with(&emulator, &[], &[]);
    assert_eq!(code, 0, "{records:#?}");
    let matched = cases(&records, "match");
    assert_eq!(matched.len(), records.len(), "{records:#?}");
    for case in [
        ("fields", "every field of a page of 7 sessions"),
        ("filters", "email (exact)"),
        ("filters", "email__contains, two substrings"),
        ("filters", "identity__in"),
        ("filters", "created_at__gt, at a listed session's own time"),
        ("filters", "created_at__lt, at a listed session's own time"),
        ("filters", "scopes"),
        ("filters", "enabled"),
        ("filters", "profile_department"),
        ("ordering", "order_by active_token_id, desc"),
        (
            "cursors",
            "the first 5 sessions, one page of size 1 at a time",
        ),
        ("cursors", "one page of the same size"),
        ("cursors", "the first cursor, sent a second time"),
        ("errors", "invalidate of an unknown session"),
        ("errors", "client list with an unknown user token"),
    ] {
        assert!(matched.contains(&case), "{case:?} in {matched:#?}");
    }
    assert_eq!(
        records.iter().filter(|r| r["check"] == "ordering").count(),
        14
    );
    // The two harmless calls, and nothing else that changes state.
    let journal = emulator.admin("GET", "/_emulator/journal", None);
    let operations: BTreeSet<&str> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        operations,
        BTreeSet::from(["client_session_list", "session_invalidate", "session_list"])
    );
    assert_eq!(emulator.count("session_invalidate"), 1);
    assert_eq!(emulator.count("client_session_list"), 1);
    assert_eq!(emulator.requests(), 32);

    let unknown_session = ("errors", "invalidate of an unknown session");
    let unknown_token = ("errors", "client list with an unknown user token");
    for (quirk, differing) in [
        (
            "contains-any",
            vec![("filters", "email__contains, two substrings")],
        ),
        (
            "omit-field:identity:3",
            vec![("fields", "result.sessions[].identity")],
        ),
        (
            "extra-fields",
            vec![
                ("fields", "result.sessions[].active_token.x_emulator_extra"),
                ("fields", "result.sessions[].x_emulator_extra"),
                ("fields", "result.x_emulator_extra"),
            ],
        ),
        ("unknown-session-400", vec![unknown_session]),
        ("status-lowercase", vec![unknown_session, unknown_token]),
    ] {
        let (code, records) = verify_with(&emulator, &[quirk], &[]);
        assert_eq!(
            cases(&records, "differs"),
            BTreeSet::from_iter(differing),
            "{quirk}"
        );
        assert_eq!(code, 1, "{quirk}");
    }
    // How the SDK reads each answer, beside it.
    let observed = |records: &[Value], case: &str| -> String {
        let record = records.iter().find(|r| r["case"] == case).unwrap();
        record["observed"].as_str().unwrap().to_string()
    };
    let (_, records) = verify_with(&emulator, &["unknown-session-400"], &[]);
    assert_eq!(
        observed(&records, unknown_session.1),
        "HTTP 400, status ValidationError, summary \"1 field(s) failed validation\" \
         (kind ValidationError, not retryable, not already gone)"
    );
    let (_, records) = verify_with(&emulator, &[], &[]);
    assert_eq!(
        observed(&records, unknown_token.1),
        "HTTP 404, status NotFound, summary \"the user token is unknown, expired or its \
         session ended\" (kind NotFound, not retryable, already gone)"
    );
    let (_, records) = verify_with(&emulator, &["contains-any"], &[]);
    let contains = records.iter().find(|r| r["verdict"] == "differs").unwrap();
    assert!(
        contains["observed"].as_str().unwrap().ends_with(
            "; every listed session fits \"any\": its email holds one of the substrings"
        ),
        "{contains:#?}"
    );
}

#[test]
fn verify_keeps_to_its_budget_and_cannot_run_without_a_first_list() {
    let emulator = Emulator::start();
    // One call: the first list, read by `fields`; every other record is skipped.
    let (code, records) = verify_with(&emulator, &[], &["--max-requests", "1"]);
    assert_eq!(code, 0);
    assert_eq!(cases(&records, "match").len(), 1, "{records:#?}");
    assert!(records[0]["check"] == "fields");
    assert_eq!(cases(&records, "skipped").len(), records.len() - 1);
    assert_eq!(emulator.requests(), 1);

    let refused = emulator.cli_with(&["verify"], |c| {
        c.env("PANGEA_AUTHN_TOKEN", "pts_wrongtoken")
    });
    assert_eq!(refused.code(), 2);
    assert_eq!(refused.stdout(), "");
    has(&refused.stderr(), "error: verify: the first list:");
    // The help names exactly the two calls that are not lists.
    let help = emulator.cli(&["verify", "--help"]).stdout();
    has(&help, authn_session_cli::verify::UNKNOWN_SESSION);
    has(&help, authn_session_cli::verify::UNKNOWN_USER_TOKEN);
    let unusable = emulator.cli(&["verify", "--max-requests", "0"]);
    assert_eq!(unusable.code(), 2);
    has(&unusable.stderr(), "--max-requests");
}

/// A fresh path in the test's temporary directory (nothing is created).
fn tempfile(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path.to_string_lossy().into_owned()
}

/// The lines of an audit file, parsed.
fn audit_lines(path: &str) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn revoke_audit_writes_one_line_per_session_that_agrees_with_the_report() {
    let emulator = Emulator::start_with(&["--seed-users", "100", "--sessions-per-user", "5"]);
    let before = emulator.alive();
    assert_eq!(before.len(), 500);
    // Refused (not retried), then unavailable (retried), then already gone.
    for (status, times) in [(400, 7), (503, 12), (404, 5)] {
        emulator.admin(
            "POST",
            "/_emulator/faults",
            Some(json!({"path": "session_invalidate", "status": status, "times": times})),
        );
    }
    let audit = tempfile("revoke-audit.ndjson");
    let run = emulator
        .cli(&["revoke", "--yes", "--all", "-o", "json", "--audit", &audit])
        .expect(3);
    let report = run.json();
    let lines = audit_lines(&audit);

    // One line per session, and every matched session has one.
    assert_eq!(report["matched"], 500);
    assert_eq!(lines.len(), 500);
    let audited: BTreeSet<String> = lines
        .iter()
        .map(|l| l["session_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(audited, before);

    // The lines agree with the report: the same failures, with the same request ids.
    let of = |outcome: &str| -> BTreeSet<(String, String)> {
        lines
            .iter()
            .filter(|l| l["outcome"] == outcome)
            .map(|l| {
                let id = l["session_id"].as_str().unwrap().to_string();
                (id, l["request_id"].as_str().unwrap().to_string())
            })
            .collect()
    };
    let failed: BTreeSet<(String, String)> = report["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let id = f["session_id"].as_str().unwrap().to_string();
            (id, f["request_id"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(of("failed"), failed);
    assert!(failed.len() >= 7, "the seven 400s fail their sessions");
    let (ended, gone) = (of("ended"), of("already_gone"));
    assert_eq!(
        gone.len(),
        5,
        "each 404 settles one session as already gone"
    );
    assert_eq!(report["ended"], ended.len() + gone.len());
    assert_eq!(ended.len() + gone.len() + failed.len(), 500);

    // And the service: what the emulator still holds is what the lines say was not ended.
    let not_ended: BTreeSet<String> = failed
        .iter()
        .chain(&gone)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(emulator.alive(), not_ended);
    let attempts: u64 = lines.iter().map(|l| l["attempts"].as_u64().unwrap()).sum();
    assert_eq!(attempts as usize, emulator.count("session_invalidate"));
    for line in &lines {
        let time = line["time"].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(time).unwrap_or_else(|e| panic!("{e}: {time}"));
        let status = line["http_status"].as_u64().unwrap();
        match line["outcome"].as_str().unwrap() {
            "ended" => assert_eq!((status, &line["error"]), (200, &Value::Null)),
            "already_gone" => assert_eq!((status, &line["error"]), (404, &Value::Null)),
            _ => assert!(
                line["error"]
                    .as_str()
                    .unwrap()
                    .contains(&status.to_string()),
                "{line}"
            ),
        }
    }

    // A second run appends: the sessions left, one line each.
    let run = emulator
        .cli(&["revoke", "--yes", "--all", "-o", "json", "--audit", &audit])
        .expect(0);
    assert_eq!(run.json()["ended"], not_ended.len());
    let appended = audit_lines(&audit);
    assert_eq!(appended.len(), 500 + not_ended.len());
    assert!(appended[500..].iter().all(|l| l["outcome"] == "ended"));
}

#[test]
fn an_audit_file_that_cannot_be_written_ends_nothing() {
    let emulator = Emulator::start();
    let dir = env!("CARGO_TARGET_TMPDIR");
    let run = emulator
        .cli(&["revoke", "--yes", "--all", "--audit", dir])
        .expect(2);
    has(&run.stderr(), "error: cannot open the audit file");
    assert_eq!(emulator.requests(), 0);
    assert_eq!(emulator.alive(), all_ids());
}

#[test]
fn logs_follow_rust_log_and_come_as_json_on_request() {
    let emulator = Emulator::start();
    // JSON: every line of stderr is an object; the attempt's span has its fields.
    let run = emulator
        .cli(&["--log-format", "json", "list", "-o", "json"])
        .expect(0);
    let logs: Vec<Value> = run
        .stderr()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let attempt = logs
        .iter()
        .find(|l| l["span"]["name"] == "pangea.request")
        .unwrap_or_else(|| panic!("no attempt span: {logs:#?}"));
    assert_eq!(attempt["level"], "INFO");
    let span = &attempt["span"];
    assert_eq!(span["pangea.operation"], "session_list");
    assert_eq!(span["http.request.method"], "POST");
    assert_eq!(span["http.response.status_code"], 200);
    assert_eq!(
        span["url.full"],
        format!("{}/v2/session/list", emulator.url)
    );
    assert!(
        logs.iter().all(|l| l["level"] != "TRACE"),
        "-v's level: INFO"
    );

    // RUST_LOG alone turns logs on; it wins over -vv; blank is unset.
    let run = emulator.cli_with(&["list"], |c| c.env("RUST_LOG", "authn_session=info"));
    has(&run.expect(0).stderr(), "pangea.request{");
    let run = emulator.cli_with(&["-vv", "list"], |c| c.env("RUST_LOG", "off"));
    assert_eq!(run.expect(0).stderr(), "");
    let run = emulator.cli_with(&["list"], |c| c.env("RUST_LOG", " "));
    assert_eq!(run.expect(0).stderr(), "");

    // A filter that does not parse is a usage error, before anything is sent.
    emulator.clear_journal();
    let run = emulator.cli_with(&["list"], |c| c.env("RUST_LOG", "authn_session=["));
    has(
        &run.expect(2).stderr(),
        "error: RUST_LOG is not a valid filter",
    );
    assert_eq!(emulator.requests(), 0);
}

/// Linux's `/dev/full` opens, and fails every write with "no space left".
#[cfg(target_os = "linux")]
#[test]
fn an_audit_that_cannot_be_written_to_the_end_is_reported_and_not_exit_0() {
    let emulator = Emulator::start();
    let run = emulator
        .cli(&[
            "revoke",
            "--yes",
            "--user",
            ALICE_ID,
            "--audit",
            "/dev/full",
        ])
        .expect(1);
    has(
        &run.stderr(),
        "error: the audit file /dev/full is incomplete",
    );
    // The sessions were ended all the same, and the report says so.
    has(&run.stdout(), "matched 3, ended 3, failed 0");
    assert!(ALICE.iter().all(|id| !emulator.alive().contains(*id)));
}

#[test]
fn verify_prints_a_table_with_each_difference_spelled_out_and_a_count() {
    let emulator = Emulator::start();
    emulator.admin(
        "POST",
        "/_emulator/quirks",
        Some(json!({"quirks": ["omit-field:identity:3"]})),
    );
    let run = emulator.cli(&["verify"]).expect(1);
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!("{:<8} {:<9} {:<52} OBSERVED", "VERDICT", "CHECK", "CASE")
    );
    assert_eq!(
        lines[1],
        format!(
            "{:<8} {:<9} {:<52} missing in 2 records",
            "differs", "fields", "result.sessions[].identity"
        )
    );
    assert!(
        lines[2].starts_with("match    filters   email (exact) "),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("match    cursors   one page of the same size")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("match    errors    invalidate of an unknown session")),
        "{out}"
    );
    has(
        &out,
        "\ndiffers: fields result.sessions[].identity\n  documented: ",
    );
    assert_eq!(
        *lines.last().unwrap(),
        "28 checks: 27 match, 1 differ, 0 skipped; 32 requests"
    );
}
