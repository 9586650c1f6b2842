//! Sessions on stdout, page by page: an aligned table, a JSON array, NDJSON
//! or CSV. Nothing here can print a token: a listed session carries its
//! active token's id and times, never its value.

use std::io::Write;

use authn_session::SessionItem;

use crate::args::ListFormat;

const COLUMNS: [&str; 6] = [
    "SESSION ID",
    "USER",
    "EMAIL",
    "CREATED",
    "EXPIRES",
    "SCOPES",
];

/// Writes sessions as they arrive; [`finish`](Self::finish) closes the output.
pub struct SessionWriter<W: Write> {
    format: ListFormat,
    out: W,
    /// Whether the CSV header is out.
    csv_header: bool,
    /// Table column widths, from the first page.
    widths: Option<[usize; 5]>,
    written: usize,
}

/// Says on stderr how many values client error correction filled in, when
/// any were: the output then shows zero values (an empty identity,
/// 1970-01-01 for a time) where the service's records had nothing. `-v`
/// shows each, with its JSON path and request id.
pub fn note_corrections(corrected: usize) {
    if corrected > 0 {
        eprintln!(
            "warning: {corrected} required value(s) were missing from the service's session \
             records and read as empty, 0 or 1970-01-01; run with -v to see each"
        );
    }
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn cells(s: &SessionItem) -> [String; 6] {
    [
        s.id.to_string(),
        s.identity.clone(),
        s.email.clone(),
        time(s.created_at),
        time(s.expire),
        s.scopes.join(" "),
    ]
}

impl<W: Write> SessionWriter<W> {
    pub fn new(format: ListFormat, out: W) -> Self {
        SessionWriter {
            format,
            out,
            csv_header: false,
            widths: None,
            written: 0,
        }
    }

    pub fn write_page(&mut self, sessions: &[SessionItem]) -> std::io::Result<()> {
        match self.format {
            ListFormat::Table => self.table(sessions)?,
            ListFormat::Json => {
                for (i, s) in sessions.iter().enumerate() {
                    let sep = if self.written + i == 0 {
                        "[\n  "
                    } else {
                        ",\n  "
                    };
                    write!(self.out, "{sep}{}", serde_json::to_string(s)?)?;
                }
            }
            ListFormat::Ndjson => {
                for s in sessions {
                    writeln!(self.out, "{}", serde_json::to_string(s)?)?;
                }
            }
            ListFormat::Csv => {
                let mut csv = csv::Writer::from_writer(&mut self.out);
                if !self.csv_header {
                    csv.write_record(["id", "user", "email", "created_at", "expire", "scopes"])?;
                    self.csv_header = true;
                }
                for s in sessions {
                    csv.write_record(cells(s))?;
                }
                csv.flush()?;
            }
        }
        self.written += sessions.len();
        self.out.flush()
    }

    fn table(&mut self, sessions: &[SessionItem]) -> std::io::Result<()> {
        let rows: Vec<[String; 6]> = sessions.iter().map(cells).collect();
        let widths = match self.widths {
            Some(widths) => widths,
            None => {
                let mut widths = [0; 5];
                for (i, width) in widths.iter_mut().enumerate() {
                    *width = rows
                        .iter()
                        .map(|r| r[i].chars().count())
                        .chain([COLUMNS[i].len()])
                        .max()
                        .unwrap_or(0);
                }
                self.widths = Some(widths);
                self.line(&COLUMNS.map(String::from), &widths)?;
                widths
            }
        };
        for row in &rows {
            self.line(row, &widths)?;
        }
        Ok(())
    }

    fn line(&mut self, cells: &[String; 6], widths: &[usize; 5]) -> std::io::Result<()> {
        let mut line = String::new();
        for (cell, width) in cells.iter().zip(widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        line.push_str(&cells[5]);
        writeln!(self.out, "{}", line.trim_end())
    }

    /// Closes the output (the JSON array's bracket, a table's header when
    /// nothing matched); returns how many sessions were written.
    pub fn finish(mut self) -> std::io::Result<usize> {
        match self.format {
            ListFormat::Json if self.written == 0 => writeln!(self.out, "[]")?,
            ListFormat::Json => writeln!(self.out, "\n]")?,
            ListFormat::Table if self.widths.is_none() => self.table(&[])?,
            ListFormat::Csv if !self.csv_header => self.write_page(&[])?,
            _ => {}
        }
        self.out.flush()?;
        Ok(self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str, email: &str) -> SessionItem {
        serde_json::from_value(serde_json::json!({
            "id": id, "type": "user", "life": 60, "expire": "2026-11-25T08:00:00.5Z",
            "email": email, "identity": "pui_1", "scopes": ["a", "b"], "profile": {},
            "created_at": "2026-11-24T08:00:00Z"
        }))
        .unwrap()
    }

    fn render(format: ListFormat, pages: &[&[SessionItem]]) -> String {
        let mut out = Vec::new();
        let mut writer = SessionWriter::new(format, &mut out);
        for page in pages {
            writer.write_page(page).unwrap();
        }
        writer.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_format_over_two_pages_and_none() {
        let (a, b) = (session("pmt_a", "a@x.io"), session("pmt_b", "b,\"q\"@x.io"));
        let pages: &[&[SessionItem]] = &[&[a], &[b]];
        insta::assert_snapshot!(render(ListFormat::Table, pages), @r#"
        SESSION ID  USER   EMAIL   CREATED               EXPIRES               SCOPES
        pmt_a       pui_1  a@x.io  2026-11-24T08:00:00Z  2026-11-25T08:00:00Z  a b
        pmt_b       pui_1  b,"q"@x.io  2026-11-24T08:00:00Z  2026-11-25T08:00:00Z  a b
        "#);
        insta::assert_snapshot!(render(ListFormat::Csv, pages), @r#"
        id,user,email,created_at,expire,scopes
        pmt_a,pui_1,a@x.io,2026-11-24T08:00:00Z,2026-11-25T08:00:00Z,a b
        pmt_b,pui_1,"b,""q""@x.io",2026-11-24T08:00:00Z,2026-11-25T08:00:00Z,a b
        "#);
        let json: serde_json::Value =
            serde_json::from_str(&render(ListFormat::Json, pages)).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 2);
        assert_eq!(json[1]["email"], "b,\"q\"@x.io");
        let ndjson = render(ListFormat::Ndjson, pages);
        assert_eq!(ndjson.lines().count(), 2);
        assert_eq!(render(ListFormat::Json, &[]), "[]\n");
        assert_eq!(render(ListFormat::Ndjson, &[]), "");
        assert_eq!(
            render(ListFormat::Csv, &[]),
            "id,user,email,created_at,expire,scopes\n"
        );
        assert_eq!(
            render(ListFormat::Table, &[]),
            "SESSION ID  USER  EMAIL  CREATED  EXPIRES  SCOPES\n"
        );
    }
}
