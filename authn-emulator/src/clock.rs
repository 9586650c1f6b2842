//! The emulator's clock. It follows the system clock unless a test moves it:
//! session and token expiry are decided by it, so a test can expire a session
//! without waiting.

use std::sync::{
    atomic::{AtomicI64, Ordering},
    Arc,
};

use chrono::{DateTime, Utc};

/// The emulator's time: the system clock plus an offset that tests set.
/// Clones share one clock.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
/// let before = emulator.clock().now();
/// emulator.clock().advance(std::time::Duration::from_secs(3 * 24 * 3600));
/// assert!(emulator.clock().now() - before >= chrono::Duration::days(3));
/// # }
/// ```
///
/// After `set(t)`, `now()` never reads before `t`:
///
/// ```
/// let clock = authn_emulator::Clock::default();
/// let t: chrono::DateTime<chrono::Utc> = "2031-01-01T00:00:00Z".parse().unwrap();
/// for _ in 0..1000 {
///     clock.set(t);
///     assert!(clock.now() >= t);
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Microseconds added to the system clock.
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    /// The emulator's current time.
    ///
    /// ```
    /// let now = authn_emulator::Clock::default().now();
    /// ```
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::microseconds(self.offset_micros.load(Ordering::SeqCst))
    }

    /// Moves the clock forward by `by`; it keeps ticking from there.
    ///
    /// ```
    /// let clock = authn_emulator::Clock::default();
    /// clock.advance(std::time::Duration::from_secs(3600));
    /// ```
    pub fn advance(&self, by: std::time::Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.offset_micros.fetch_add(micros, Ordering::SeqCst);
    }

    /// Sets the clock to `now`; it keeps ticking from there.
    ///
    /// ```
    /// let clock = authn_emulator::Clock::default();
    /// clock.set("2030-01-01T00:00:00Z".parse().unwrap());
    /// ```
    pub fn set(&self, now: DateTime<Utc>) {
        let delta = now - Utc::now();
        let mut offset = delta.num_microseconds().unwrap_or(i64::MAX);
        // Rounded up, so the clock never reads a moment before `now`.
        if delta > chrono::Duration::microseconds(offset) {
            offset = offset.saturating_add(1);
        }
        self.offset_micros.store(offset, Ordering::SeqCst);
    }
}
