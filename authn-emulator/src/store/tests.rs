//! The indexed pages against the obvious definition: every live session that
//! matches, sorted by (key as text, id), cut after the cursor; through whole
//! walks in every order, while sessions end and tokens rotate.

use std::cmp::Ordering;

use authn_session_gen::types::{SessionListFilter, SessionListOrderBy};

use super::{cursor, page::TimeBounds, *};

const ORDERS: [SessionListOrderBy; 7] = [
    SessionListOrderBy::CreatedAt,
    SessionListOrderBy::Type,
    SessionListOrderBy::Identity,
    SessionListOrderBy::Email,
    SessionListOrderBy::Expire,
    SessionListOrderBy::ActiveTokenId,
    SessionListOrderBy::Id,
];

/// Users sharing emails and creation times, so ties need the id. Emails,
/// half the user ids and some session ids share their first 16 bytes and
/// are loaded against their text order, so the load's sort must read past
/// its prefix.
fn fixtures(seed: u64) -> Fixtures {
    fastrand::seed(seed);
    let mut fixtures = Fixtures::random(40, 5);
    for (n, user) in fixtures.users.iter_mut().enumerate() {
        user.email = format!("user.with.a.long.address{}@example.com", 6 - n % 7);
        if n % 2 == 0 {
            user.id = format!("pui_with_a_long_prefix_{:02}", 40 - n);
        }
        for (m, session) in user.sessions.iter_mut().enumerate() {
            session.created_at = format!("2026-11-2{}T08:00:00Z", (n + m) % 4);
            if m == 0 {
                session.id = format!("pmt_with_a_long_prefix_{:02}|.x", 40 - n);
            }
        }
    }
    fixtures
}

fn reference(
    store: &Store,
    filter: Option<&SessionListFilter>,
    descending: bool,
    order_by: SessionListOrderBy,
    only_user: Option<u32>,
) -> Vec<String> {
    let now = store.clock.now();
    let times = filter.map(TimeBounds::parse);
    let mut all: Vec<(String, String)> = (0..store.sessions.len() as u32)
        .filter(|&n| {
            let s = &store.sessions[n as usize];
            s.live(now)
                && only_user.is_none_or(|u| s.user == u)
                && filter.is_none_or(|f| store.matches(n, f, times.as_ref().unwrap(), false))
        })
        .map(|n| {
            (
                store.key_text(n, order_by).into_owned(),
                store.sessions[n as usize].id.to_string(),
            )
        })
        .collect();
    all.sort();
    if descending {
        all.reverse();
    }
    all.into_iter().map(|(_, id)| id).collect()
}

fn walk(
    store: &Store,
    filter: Option<&SessionListFilter>,
    descending: bool,
    order_by: SessionListOrderBy,
    size: u64,
    only_user: Option<u32>,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut last = String::new();
    for _ in 0..=store.sessions.len() {
        let (page, next) = store
            .list(
                filter,
                descending,
                order_by,
                Some(size),
                Some(&last),
                only_user.map(|u| u as usize),
                false,
            )
            .unwrap();
        assert!(page.len() <= size as usize);
        ids.extend(page.iter().map(|s| s.id.to_string()));
        if next.is_empty() {
            return ids;
        }
        assert!(!page.is_empty(), "a cursor after an empty page");
        last = next;
    }
    panic!("more pages than sessions: the cursor does not move");
}

fn check_all_orders(store: &Store, filter: Option<&SessionListFilter>, only_user: Option<u32>) {
    for order_by in ORDERS {
        for descending in [false, true] {
            let expected = reference(store, filter, descending, order_by, only_user);
            for size in [1, 3, 20] {
                assert_eq!(
                    walk(store, filter, descending, order_by, size, only_user),
                    expected,
                    "{order_by:?} descending={descending} size={size} filter={filter:?}"
                );
            }
        }
    }
}

#[test]
fn pages_match_the_definition_while_sessions_end_and_rotate() {
    let fixtures = fixtures(7);
    let mut store = Store::from_fixtures(fixtures.clone(), Clock::default(), None).unwrap();
    let email = SessionListFilter {
        email_contains: vec!["address3".into()],
        ..Default::default()
    };
    let identity = SessionListFilter {
        identity_in: vec![fixtures.users[2].id.clone(), fixtures.users[5].id.clone()],
        ..Default::default()
    };
    let ids = SessionListFilter {
        id_in: vec![
            fixtures.users[1].sessions[0].id.clone(),
            fixtures.users[1].sessions[0].id.clone(),
            fixtures.users[9].sessions[3].id.clone(),
            "pmt_nobody".into(),
        ],
        ..Default::default()
    };
    for round in 0..4 {
        check_all_orders(&store, None, None);
        check_all_orders(&store, Some(&email), None);
        check_all_orders(&store, Some(&identity), None);
        check_all_orders(&store, Some(&ids), None);
        check_all_orders(&store, None, Some(3));
        // End some sessions and rotate others' tokens between rounds.
        for user in fixtures.users.iter().skip(round).step_by(5) {
            let _ = store.invalidate(&user.sessions[round].id, None);
        }
        for n in (round..store.sessions.len()).step_by(9) {
            if store.sessions[n].live(store.clock.now()) {
                let token = store.sessions[n].refresh_token.to_string();
                store.refresh(&token, None, true).unwrap();
            }
        }
        store.logout_user(&fixtures.users[10 + round].id).unwrap();
    }
}

#[test]
fn a_walk_misses_nothing_when_the_next_session_ends_between_pages() {
    let mut store = Store::from_fixtures(fixtures(11), Clock::default(), None).unwrap();
    for order_by in ORDERS {
        let (page, cursor) = store
            .list(None, false, order_by, Some(5), None, None, false)
            .unwrap();
        let expected = reference(&store, None, false, order_by, None);
        // End the session the next page would start with, and the cursor's own.
        store.invalidate(&expected[5], None).unwrap();
        store.invalidate(page[4].id.as_ref(), None).unwrap();
        let (next, _) = store
            .list(None, false, order_by, Some(5), Some(&cursor), None, false)
            .unwrap();
        let next: Vec<String> = next.iter().map(|s| s.id.to_string()).collect();
        assert_eq!(next, expected[6..11], "{order_by:?}");
        store = Store::from_fixtures(fixtures(11), Clock::default(), None).unwrap();
    }
}

#[test]
fn any_string_is_a_position() {
    let store = Store::from_fixtures(fixtures(3), Clock::default(), None).unwrap();
    for order_by in ORDERS {
        for cursor in ["", "zzz", "pmt_", "2026-11-22", "user2@", "not.hex"] {
            for descending in [false, true] {
                let (page, _) = store
                    .list(
                        None,
                        descending,
                        order_by,
                        Some(1000),
                        Some(cursor),
                        None,
                        false,
                    )
                    .unwrap();
                let got: Vec<String> = page.iter().map(|s| s.id.to_string()).collect();
                let (key, id) = if cursor.is_empty() {
                    (None, String::new())
                } else {
                    let (k, i) = cursor::decode(cursor);
                    (Some(k), i)
                };
                let expected: Vec<String> = reference(&store, None, descending, order_by, None)
                    .into_iter()
                    .filter(|sid| {
                        let n = store
                            .session_ids
                            .get(&store.hasher, sid, |m| &store.sessions[m as usize].id)
                            .unwrap();
                        key.as_ref().is_none_or(|k| {
                            let order = store.cmp_cursor(n, order_by, k, &id);
                            order
                                == if descending {
                                    Ordering::Less
                                } else {
                                    Ordering::Greater
                                }
                        })
                    })
                    .collect();
                assert_eq!(
                    got, expected,
                    "{order_by:?} {cursor:?} descending={descending}"
                );
            }
        }
    }
}

#[test]
fn a_last_page_exactly_full_carries_no_cursor() {
    let store = Store::from_fixtures(Fixtures::random(3, 2), Clock::default(), None).unwrap();
    let cursor = |size| {
        let (page, cursor) = store
            .list(
                None,
                false,
                SessionListOrderBy::Id,
                Some(size),
                None,
                None,
                false,
            )
            .unwrap();
        (page.len(), !cursor.is_empty())
    };
    assert_eq!(cursor(6), (6, false));
    assert_eq!(cursor(5), (5, true));
}

#[test]
fn the_token_lookups_hold_the_live_sessions_tokens_only() {
    let fixtures = fixtures(5);
    let mut store = Store::from_fixtures(fixtures.clone(), Clock::default(), None).unwrap();
    for n in (0..store.sessions.len()).step_by(3) {
        let token = store.sessions[n].refresh_token.to_string();
        store.refresh(&token, None, true).unwrap();
        let token = store.sessions[n].refresh_token.to_string();
        store.refresh(&token, None, false).unwrap();
    }
    for user in fixtures.users.iter().step_by(4) {
        store.invalidate(&user.sessions[1].id, None).unwrap();
    }
    store.logout_user(&fixtures.users[1].id).unwrap();
    let live = store.sessions.iter().filter(|s| !s.ended).count();
    assert_eq!(live, 200 - 10 - 5);
    assert_eq!(store.user_tokens.len(), live);
    assert_eq!(store.refresh_tokens.len(), live);
    assert_eq!(
        store.session_ids.len(),
        200,
        "ids stay: an ended session is still named"
    );
}

#[test]
fn a_dump_keeps_a_user_tokens_own_expiry_only_where_it_differs() {
    let fixtures = Fixtures::random(2, 2);
    let life = Some(chrono::Duration::hours(1));
    let short = Store::from_fixtures(fixtures.clone(), Clock::default(), life).unwrap();
    let dumped = short.dump();
    let sessions = dumped.users.iter().flat_map(|u| &u.sessions);
    for s in sessions {
        let user_token_expire: DateTime<Utc> =
            s.user_token_expire.as_ref().unwrap().parse().unwrap();
        let expire: DateTime<Utc> = s.expire.parse().unwrap();
        assert!(user_token_expire < expire, "{s:?}");
    }
    let reloaded = Store::from_fixtures(dumped.clone(), Clock::default(), None).unwrap();
    assert_eq!(reloaded.dump(), dumped, "the expiry survives a reload");
    let long = Store::from_fixtures(fixtures, Clock::default(), None).unwrap();
    let dumped = long.dump();
    assert!(dumped
        .users
        .iter()
        .flat_map(|u| &u.sessions)
        .all(|s| s.user_token_expire.is_none()));
}

#[test]
fn each_optional_token_fact_shows_on_its_own() {
    let mut fixtures = Fixtures::random(1, 3);
    let sessions = &mut fixtures.users[0].sessions;
    sessions[0].audience = Some(vec!["aud".into()]);
    sessions[1].client_id = Some("psa_client".into());
    sessions[2]
        .claims
        .insert("role".into(), serde_json::json!("admin"));
    let ids: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
    let store = Store::from_fixtures(fixtures, Clock::default(), None).unwrap();
    let (page, _) = store
        .list(None, false, SessionListOrderBy::Id, None, None, None, false)
        .unwrap();
    let token = |id: &str| {
        page.iter()
            .find(|s| s.id.as_str() == id)
            .and_then(|s| s.active_token.clone())
            .unwrap()
    };
    assert_eq!(token(&ids[0]).audience, Some(vec!["aud".into()]));
    assert_eq!(
        token(&ids[1]).client_id.map(|c| c.0),
        Some("psa_client".into())
    );
    assert_eq!(token(&ids[2]).claims["role"], "admin");
    assert_eq!(token(&ids[2]).audience, None);
}
