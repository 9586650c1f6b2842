//! Optional arguments of `list`, `invalidate` and `refresh`, as chainable builders.

use std::num::NonZeroU64;

use authn_session_gen::{
    types::{
        ClientSessionListRequest, ConfigId, ItemOrder, SessionListFilter, SessionListOrderBy,
        SessionListRequest,
    },
    SecretToken,
};

/// Options of a session list: filter, cursor, order and page size.
///
/// ```
/// use authn_session::{ItemOrder, ListOptions, SessionListFilter, SessionListOrderBy};
///
/// let options = ListOptions::new()
///     .filter(SessionListFilter::new().email_contains(["example.com"]))
///     .order(ItemOrder::Desc)
///     .order_by(SessionListOrderBy::CreatedAt)
///     .size(20);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct ListOptions {
    pub(crate) filter: Option<SessionListFilter>,
    pub(crate) last: Option<String>,
    pub(crate) order: Option<ItemOrder>,
    pub(crate) order_by: Option<SessionListOrderBy>,
    pub(crate) size: Option<u64>,
    pub(crate) read_ahead: bool,
}

impl ListOptions {
    /// No filter, server defaults for order and size, first page.
    ///
    /// ```
    /// let first_page = authn_session::ListOptions::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Only sessions matching `filter`. Its profile keys are checked when
    /// the list is sent: a profile field name that is not letters only is
    /// [`Error::InvalidInput`](crate::Error::InvalidInput), and nothing is sent.
    ///
    /// ```
    /// let options = authn_session::ListOptions::new().filter(authn_session::SessionListFilter::new().email("alice@example.com"));
    /// ```
    pub fn filter(mut self, filter: SessionListFilter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// The page after the one whose result carried this `last` cursor.
    ///
    /// ```
    /// let options = authn_session::ListOptions::new().last("cursor-from-the-previous-page");
    /// ```
    pub fn last(mut self, cursor: impl Into<String>) -> Self {
        self.last = Some(cursor.into());
        self
    }

    /// Ascending or descending.
    ///
    /// ```
    /// let options = authn_session::ListOptions::new().order(authn_session::ItemOrder::Desc);
    /// ```
    pub fn order(mut self, order: ItemOrder) -> Self {
        self.order = Some(order);
        self
    }

    /// The field to order by.
    ///
    /// ```
    /// let options = authn_session::ListOptions::new().order_by(authn_session::SessionListOrderBy::Expire);
    /// ```
    pub fn order_by(mut self, order_by: SessionListOrderBy) -> Self {
        self.order_by = Some(order_by);
        self
    }

    /// At most this many sessions per page, within the spec's bounds
    /// ([`limits`](crate::limits); 0 is refused with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before sending). The
    /// service may serve fewer per page than asked.
    ///
    /// ```
    /// let options = authn_session::ListOptions::new().size(100);
    /// ```
    pub fn size(mut self, size: u64) -> Self {
        self.size = Some(size);
        self
    }

    /// For walks over many pages (`list_all`, `list_pages`): stay one request
    /// ahead of your code. Each page's cursor is read with its envelope (its
    /// sessions kept as raw JSON), the next page is requested at once, and the
    /// sessions are decoded (off the async threads) while the server builds the
    /// next one, so a long walk takes about the larger of the server's time and
    /// the decoding instead of their sum. The cost: one more page in memory,
    /// and one request you did not need when you stop early. Off by default:
    /// a page is then fetched only when the stream is polled past the one
    /// before. `invalidate_all` always reads ahead (it walks to the end
    /// before ending anything). A single `list` is one page: no effect.
    ///
    /// ```
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let every = authn_session::ListOptions::new().size(1000).read_ahead(true);
    /// let count = authn.session().list_all(every).try_fold(0, |n, _| async move { Ok(n + 1) }).await?;
    /// # Ok(()) }
    /// ```
    pub fn read_ahead(mut self, read_ahead: bool) -> Self {
        self.read_ahead = read_ahead;
        self
    }
}

/// Options of a service-token invalidate
/// ([`SessionApi::invalidate_with`](crate::SessionApi::invalidate_with)).
///
/// ```
/// let options = authn_session::InvalidateOptions::new().user_initiated(true);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct InvalidateOptions {
    pub(crate) user_initiated: Option<bool>,
}

impl InvalidateOptions {
    /// No options: `user_initiated` is not sent.
    ///
    /// ```
    /// let options = authn_session::InvalidateOptions::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the user asked for the session to end (for example "sign out
    /// this device"), rather than an administrator or an automated response
    /// (`user_initiated`).
    ///
    /// ```
    /// let options = authn_session::InvalidateOptions::new().user_initiated(false);
    /// ```
    pub fn user_initiated(mut self, user_initiated: bool) -> Self {
        self.user_initiated = Some(user_initiated);
        self
    }
}

/// Options of a refresh.
///
/// ```
/// let options = authn_session::RefreshOptions::new().user_token("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a");
/// assert!(!format!("{options:?}").contains("ptu_"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct RefreshOptions {
    pub(crate) user_token: Option<SecretToken>,
}

impl RefreshOptions {
    /// No options.
    ///
    /// ```
    /// let options = authn_session::RefreshOptions::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The session's current user token (`&str`, `String` or [`SecretToken`]);
    /// Pangea checks that it belongs to the same session as the refresh token.
    ///
    /// ```
    /// let options = authn_session::RefreshOptions::new().user_token("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a");
    /// ```
    pub fn user_token(mut self, token: impl Into<SecretToken>) -> Self {
        self.user_token = Some(token.into());
        self
    }
}

/// Fills the list fields of a generated request builder (service or user)
/// from checked options.
macro_rules! list_fields {
    ($builder:expr, $filter:expr, $last:expr, $order:expr, $order_by:expr, $size:expr, $config_id:expr) => {
        crate::transport::build(
            $builder
                .filter($filter)
                .last($last)
                .order($order)
                .order_by($order_by)
                .size($size)
                .config_id($config_id),
        )
    };
}

impl ListOptions {
    /// The service list's request (`/v2/session/list`), checked once before
    /// the first page is asked for.
    pub(crate) fn service_request(
        self,
        config_id: Option<ConfigId>,
    ) -> Result<SessionListRequest, crate::Error> {
        let (filter, last, size) = self.checked()?;
        list_fields!(
            SessionListRequest::builder(),
            filter,
            last,
            self.order,
            self.order_by,
            size,
            config_id
        )
    }

    /// A user's list request (`/v2/client/session/list`) with their token.
    pub(crate) fn user_request(
        self,
        token: SecretToken,
        config_id: Option<ConfigId>,
    ) -> Result<ClientSessionListRequest, crate::Error> {
        let (filter, last, size) = self.checked()?;
        list_fields!(
            ClientSessionListRequest::builder().token(token),
            filter,
            last,
            self.order,
            self.order_by,
            size,
            config_id
        )
    }

    /// The fields the caller's input decides, checked: the filter's profile
    /// keys, the cursor, the size.
    #[allow(
        clippy::type_complexity,
        reason = "a tuple of the three request fields"
    )]
    fn checked(
        &self,
    ) -> Result<
        (
            Option<SessionListFilter>,
            Option<String>,
            Option<NonZeroU64>,
        ),
        crate::Error,
    > {
        let size = self.size.map(crate::validate::size).transpose()?;
        if let Some(filter) = &self.filter {
            crate::validate::filter(filter)?;
        }
        if let Some(last) = &self.last {
            crate::validate::cursor(last)?;
        }
        // An empty cursor means "first page": send none, as the official SDKs do.
        let last = self.last.clone().filter(|l| !l.is_empty());
        Ok((self.filter.clone(), last, size))
    }
}
