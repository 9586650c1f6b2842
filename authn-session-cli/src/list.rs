//! `authn-session list`: every page of the filtered list, written as it arrives.

use authn_session::AuthN;
use futures::TryStreamExt;

use crate::{
    args::ListArgs,
    failure::Failure,
    output::{note_corrections, SessionWriter},
};

/// The page size asked for, or the limit when smaller: 1,000, the most the
/// emulator serves in a page (Pangea documents no maximum; it may serve fewer).
const PAGE: u64 = 1000;

pub async fn list(authn: &AuthN, args: ListArgs) -> Result<(), Failure> {
    let mut options = args
        .filters
        .options()
        .size(args.limit.map_or(PAGE, |limit| limit.get().min(PAGE)));
    if let Some(order) = args.order {
        options = options.order(order.into());
    }
    if let Some(by) = args.order_by {
        options = options.order_by(by.into());
    }
    // A whole export fetches the next page while this one is written; with a
    // limit, reading ahead could send a request the limit never needs.
    options = options.read_ahead(args.limit.is_none());
    let mut left = args.limit.map_or(u64::MAX, |l| l.get());
    let mut pages = authn.session().list_pages(options);
    let mut writer = SessionWriter::new(args.output, std::io::stdout().lock());
    let mut corrected = 0;
    while left > 0 {
        let Some(page) = pages
            .try_next()
            .await
            .map_err(|e| Failure::api("listing sessions", e))?
        else {
            break;
        };
        corrected += page.corrections().len();
        let sessions = &page.result.sessions;
        let take = sessions
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        writer.write_page(&sessions[..take])?;
        left -= take as u64;
    }
    let format = args.output;
    if writer.finish()? == 0 && format == crate::args::ListFormat::Table {
        eprintln!("no sessions match");
    }
    note_corrections(corrected);
    Ok(())
}
