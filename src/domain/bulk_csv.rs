//! Reading a bulk-invitation CSV file (RFC 4180 through the `csv` crate): UTF-8 with or without
//! a byte-order mark, comma or semicolon separated, a header row whose names are matched
//! case-insensitively. Columns: `email`, `first_name`, `last_name`, `role` (required) and
//! `designation`, `department`, `expires_in_days` (optional). At most [`MAX_ROWS`] data rows
//! and [`MAX_BYTES`] bytes. Fields are trimmed; validating them is the invitation parser's job.

/// Most data rows one file may have.
pub const MAX_ROWS: usize = 10_000;
/// Largest file, in bytes (5 MiB).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// The columns a file must have.
pub const REQUIRED_COLUMNS: [&str; 4] = ["email", "first_name", "last_name", "role"];
/// The columns a file may have besides.
pub const OPTIONAL_COLUMNS: [&str; 3] = ["designation", "department", "expires_in_days"];

/// One data row, as typed (trimmed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvInvitee {
    /// The data row's number: 1 for the row after the header.
    pub row_no: u32,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub designation: String,
    pub department: String,
    /// Empty when the column is absent or the cell blank.
    pub expires_in_days: String,
}

/// Why a file cannot be read at all. `Display` is the sentence for the person uploading it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("The file is empty. It needs a header row and at least one invitee.")]
    Empty,
    #[error("The file is larger than 5 MB. Split it into smaller files.")]
    TooLarge,
    #[error("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")]
    NotUtf8,
    #[error("The file has more than 10,000 invitees. Split it into smaller files.")]
    TooManyRows,
    #[error("The header row lacks these columns: {}.", .0.join(", "))]
    MissingColumns(Vec<&'static str>),
    #[error("The header row has columns we do not know: {}. Use email, first_name, last_name, role, designation, department, expires_in_days.", .0.join(", "))]
    UnknownColumns(Vec<String>),
    #[error("The header row names {0} twice.")]
    DuplicateColumn(String),
    #[error("Row {row} could not be read: {message}")]
    Malformed { row: u32, message: String },
}

/// Reads `bytes` as a bulk-invitation file.
///
/// # Errors
/// [`CsvError`] for anything that stops the whole file; problems in single fields are left
/// to the invitation parser.
pub fn parse(bytes: &[u8]) -> Result<Vec<CsvInvitee>, CsvError> {
    if bytes.len() > MAX_BYTES {
        return Err(CsvError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| CsvError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let header_line = text.lines().next().unwrap_or("");
    let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CsvError::Malformed {
            row: 0,
            message: e.to_string(),
        })?
        .clone();
    let mut index = [None::<usize>; 7];
    let mut unknown = Vec::new();
    for (i, name) in headers.iter().enumerate() {
        let name = name.to_lowercase();
        let known = REQUIRED_COLUMNS
            .iter()
            .chain(OPTIONAL_COLUMNS.iter())
            .position(|c| *c == name);
        match known {
            Some(k) if index[k].is_some() => return Err(CsvError::DuplicateColumn(name)),
            Some(k) => index[k] = Some(i),
            None if name.is_empty() => unknown.push("(a blank name)".to_owned()),
            None => unknown.push(name.chars().take(40).collect()),
        }
    }
    let missing: Vec<&'static str> = REQUIRED_COLUMNS
        .iter()
        .enumerate()
        .filter(|(k, _)| index[*k].is_none())
        .map(|(_, c)| *c)
        .collect();
    if !missing.is_empty() {
        return Err(CsvError::MissingColumns(missing));
    }
    if !unknown.is_empty() {
        return Err(CsvError::UnknownColumns(unknown));
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let row_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if rows.len() == MAX_ROWS {
            return Err(CsvError::TooManyRows);
        }
        let record = record.map_err(|e| CsvError::Malformed {
            row: row_no,
            message: match e.kind() {
                csv::ErrorKind::UnequalLengths { .. } => {
                    "it has a different number of cells than the header.".to_owned()
                }
                _ => "it is not valid CSV.".to_owned(),
            },
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |k: usize| {
            index[k]
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .to_owned()
        };
        rows.push(CsvInvitee {
            row_no,
            email: cell(0),
            first_name: cell(1),
            last_name: cell(2),
            role: cell(3),
            designation: cell(4),
            department: cell(5),
            expires_in_days: cell(6),
        });
    }
    if rows.is_empty() {
        return Err(CsvError::Empty);
    }
    Ok(rows)
}

/// A cell for a CSV file a spreadsheet will open: text starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return gets a leading `'`, so it is never run as a formula (OWASP CSV
/// Injection).
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bom_semicolons_and_any_header_case() {
        let file = "\u{feff}Email;First_Name;LAST_NAME;role;expires_in_days\n a@x.org ;Ada;Lovelace;member;3\n\n";
        let rows = parse(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].email, "a@x.org");
        assert_eq!(rows[0].row_no, 1);
        assert_eq!(rows[0].expires_in_days, "3");
        assert_eq!(rows[0].designation, "");
    }

    #[test]
    fn whole_file_problems_are_named() {
        assert_eq!(parse(b""), Err(CsvError::Empty));
        assert_eq!(
            parse(b"email,first_name,last_name,role\n"),
            Err(CsvError::Empty)
        );
        assert_eq!(parse(&[0xff, 0xfe, 0x00]), Err(CsvError::NotUtf8));
        assert_eq!(
            parse(b"email,first_name\nx@y.org,X\n"),
            Err(CsvError::MissingColumns(vec!["last_name", "role"]))
        );
        assert_eq!(
            parse(b"email,first_name,last_name,role,shoe_size\n"),
            Err(CsvError::UnknownColumns(vec!["shoe_size".into()]))
        );
        assert!(matches!(
            parse(b"email,first_name,last_name,role\nx@y.org,X\n"),
            Err(CsvError::Malformed { row: 1, .. })
        ));
        let mut big = String::from("email,first_name,last_name,role\n");
        for i in 0..=MAX_ROWS {
            big.push_str(&format!("p{i}@x.org,A,B,member\n"));
        }
        assert_eq!(parse(big.as_bytes()), Err(CsvError::TooManyRows));
        assert_eq!(parse(&vec![b'a'; MAX_BYTES + 1]), Err(CsvError::TooLarge));
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("-1+1"), "'-1+1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("ada@example.org"), "ada@example.org");
    }
}
