//! A JSON reader for the tests: the report's text parsed back into a tree,
//! so that a test checks what a consumer of the file reads, not the
//! printer's own values. Strict (no trailing commas, no comments, nothing
//! after the value) and small; it needs no speed.

/// A parsed JSON value.
#[derive(Debug, PartialEq)]
pub(super) enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    Array(Vec<Value>),
    /// The fields in the order of the text.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The field `key` of an object; panics, naming the key, if there is
    /// none.
    pub(super) fn field(&self, key: &str) -> &Value {
        match self {
            Self::Object(fields) => fields
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value)
                .unwrap_or_else(|| panic!("no field {key:?} in {self:?}")),
            other => panic!("{other:?} is not an object, looking for {key:?}"),
        }
    }

    /// The keys of an object, in order.
    pub(super) fn keys(&self) -> Vec<&str> {
        match self {
            Self::Object(fields) => fields.iter().map(|(name, _)| name.as_str()).collect(),
            other => panic!("{other:?} is not an object"),
        }
    }

    pub(super) fn items(&self) -> &[Value] {
        match self {
            Self::Array(items) => items,
            other => panic!("{other:?} is not an array"),
        }
    }

    pub(super) fn number(&self) -> f64 {
        match self {
            Self::Number(number) => *number,
            other => panic!("{other:?} is not a number"),
        }
    }

    pub(super) fn text(&self) -> &str {
        match self {
            Self::Text(text) => text,
            other => panic!("{other:?} is not a string"),
        }
    }
}

/// Parses a whole document.
pub(super) fn parse(text: &str) -> Result<Value, String> {
    let mut reader = Reader { text, at: 0 };
    let value = reader.value()?;
    reader.skip_space();
    if reader.at == text.len() {
        Ok(value)
    } else {
        Err(reader.error("text after the value"))
    }
}

struct Reader<'a> {
    text: &'a str,
    /// The byte offset of the next byte to read.
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.at)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected {:?}", char::from(byte))))
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip_space();
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Value::Text),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("expected a value")),
        }
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, String> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error(&format!("expected {word}")))
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        self.expect(b'{')?;
        let mut fields = Vec::new();
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Object(fields));
        }
        loop {
            self.skip_space();
            let key = self.string()?;
            self.skip_space();
            self.expect(b':')?;
            fields.push((key, self.value()?));
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Object(fields));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, String> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let end = rest
                .find(['"', '\\'])
                .ok_or_else(|| self.error("unterminated string"))?;
            if rest[..end].chars().any(|c| c < ' ') {
                return Err(self.error("unescaped control character in a string"));
            }
            out.push_str(&rest[..end]);
            self.at += end;
            if self.peek() == Some(b'"') {
                self.at += 1;
                return Ok(out);
            }
            self.at += 1;
            let escaped = match self.peek() {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'u') => {
                    let hex = self
                        .text
                        .get(self.at + 1..self.at + 5)
                        .filter(|hex| hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
                        .ok_or_else(|| self.error("expected 4 hex digits"))?;
                    // The report escapes only control characters, so a
                    // surrogate pair is not worth reading.
                    let escaped = u32::from_str_radix(hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| self.error("unsupported \\u escape"))?;
                    self.at += 4;
                    escaped
                }
                _ => return Err(self.error("unknown escape")),
            };
            self.at += 1;
            out.push(escaped);
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        // No leading zeros: `0` alone, or a digit from 1 and any digits.
        if self.peek() == Some(b'0') {
            self.at += 1;
        } else {
            self.digits()?;
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.digits()?;
        }
        self.text[start..self.at]
            .parse()
            .map(Value::Number)
            .map_err(|error| self.error(&format!("bad number: {error}")))
    }

    /// One or more decimal digits.
    fn digits(&mut self) -> Result<(), String> {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        if self.at == start {
            Err(self.error("expected a digit"))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_of_value() {
        let value = parse(r#" {"a": [1, -2.5e1, 0.125], "b": "x\"\\\n\u00e9µ", "c": [true, false, null], "d": {}} "#)
            .unwrap();
        assert_eq!(value.keys(), ["a", "b", "c", "d"]);
        let numbers: Vec<f64> = value.field("a").items().iter().map(Value::number).collect();
        assert_eq!(numbers, [1.0, -25.0, 0.125]);
        assert_eq!(value.field("b").text(), "x\"\\\néµ");
        assert_eq!(
            value.field("c").items(),
            [Value::Bool(true), Value::Bool(false), Value::Null]
        );
        assert_eq!(value.field("d"), &Value::Object(Vec::new()));
    }

    #[test]
    fn rejects_what_is_not_json() {
        for text in [
            "",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\": 1,}",
            "[1] x",
            "01",
            "1.",
            "\"open",
            "\"tab\tinside\"",
            "\"\\q\"",
            "nul",
        ] {
            assert!(parse(text).is_err(), "{text:?} was accepted");
        }
    }
}
