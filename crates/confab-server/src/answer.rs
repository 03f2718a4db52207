//! The mock's answers: deterministic text derived from the prompt, and its split into tokens.

/// A markdown-rich answer that says plainly it comes from the mock.
pub fn normal(prompt: &str, alternative: u32) -> String {
    let chars = prompt.chars().count();
    let words = prompt.split_whitespace().count();
    let excerpt: String = prompt.chars().take(200).collect();
    let excerpt = excerpt.replace('\n', " ");
    let alt = if alternative > 0 {
        format!("(Alternative {}) ", alternative + 1)
    } else {
        String::new()
    };
    format!(
        "{alt}This is **confab-server --mock**: no model was called, so this answer is made up from your message.\n\
         \n\
         You wrote {chars} characters: “{excerpt}”.\n\
         \n\
         Some markdown to show the rendering:\n\
         \n\
         1. A numbered item\n\
         2. Another, with `inline code`\n\
         \n\
         - [x] a finished task\n\
         - [ ] an open one\n\
         \n\
         ```rust\n\
         fn main() {{\n    println!(\"Hello from the mock\");\n}}\n\
         ```\n\
         \n\
         | Measure | Value |\n\
         |---|---|\n\
         | characters | {chars} |\n\
         | words | {words} |\n\
         \n\
         > A quote, to finish. See [the API reference](https://platform.openai.com/docs/api-reference/chat).\n"
    )
}

/// A long markdown answer of about `tokens` tokens: paragraphs, lists, code, a table, quotes
/// and links, repeated in sections.
pub fn long(tokens: usize) -> String {
    let mut out = String::new();
    let mut section = 0;
    while tokenize(&out).len() < tokens {
        section += 1;
        out += &format!(
            "## Section {section}\n\n\
             This paragraph of section {section} talks about streaming, rendering and **incremental** work. \
             Each token appends to the open block, and finished blocks are *frozen*.\n\n\
             - point one of {section}\n- point two with `code {section}`\n- point three, [a link](https://example.com/{section})\n\n\
             ```python\ndef section_{section}(x):\n    return x * {section}\n```\n\n\
             | n | square |\n|---|---|\n| {section} | {sq} |\n\n\
             > A quote in section {section}.\n\n",
            sq = section * section
        );
    }
    let toks = tokenize(&out);
    toks[..tokens.min(toks.len())].concat()
}

/// Splits text into tokens of a word and its following whitespace, long words cut into pieces
/// of at most six characters, the way model tokens look.
pub fn tokenize(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    let mut len = 0;
    for (i, c) in text.char_indices() {
        let boundary =
            (in_space && !c.is_whitespace()) || (!in_space && len >= 6 && !c.is_whitespace());
        if boundary && i > start {
            tokens.push(&text[start..i]);
            start = i;
            len = 0;
        }
        in_space = c.is_whitespace();
        len += 1;
    }
    if start < text.len() {
        tokens.push(&text[start..]);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_join_back_into_the_text() {
        for text in [
            "",
            "a",
            "Hello, wörld 🦀!\n\n  indented",
            &normal("hi", 0),
            &long(500),
        ] {
            assert_eq!(tokenize(text).concat(), text);
        }
        assert_eq!(tokenize("Hello world"), vec!["Hello ", "world"]);
        assert_eq!(tokenize("extraordinary"), vec!["extrao", "rdinar", "y"]);
    }

    #[test]
    fn long_answers_have_the_asked_length() {
        assert_eq!(tokenize(&long(1500)).len(), 1500);
    }

    #[test]
    fn answers_are_deterministic_and_say_they_are_mocked() {
        assert_eq!(normal("x", 0), normal("x", 0));
        assert!(normal("x", 0).contains("confab-server --mock"));
        assert_ne!(normal("x", 0), normal("x", 1));
    }
}
