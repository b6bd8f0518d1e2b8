//! Dask's `key_split`: the group a task key belongs to.

/// The name prefix of a task key, as Dask's `dask.utils.key_split` computes it.
///
/// The key is split on `-`; the first word is kept (stripped of `_'()"` when
/// it does not start with a letter, as in tuple keys written as strings, and
/// of `[]` too, for tuple keys written as JSON lists), and following words are
/// appended while they are purely alphabetic and not an 8-letter word
/// starting with a hex letter (a token). A 32-character hex result is `data`;
/// `<module.Class object at …>` gives `Class`; an empty key gives `Other`.
///
/// Note that, as in Dask, an all-letter suffix is kept: `inc-abc` stays
/// `inc-abc`, while `inc-1`, `inc-3f2a…` and `inc-abcdefab` give `inc`.
///
/// ```
/// use taskscope_layout::key_split;
/// assert_eq!(key_split("inc-584d85fa-f2d9-4f19-b665-5038de1b8c9d"), "inc");
/// assert_eq!(key_split("add-3-17"), "add");
/// assert_eq!(key_split("hello-world-1"), "hello-world");
/// assert_eq!(key_split("('x-2', 1)"), "x");
/// assert_eq!(key_split("[\"x-2\", 1]"), "x");
/// assert_eq!(key_split("x-abcdefab"), "x");
/// assert_eq!(key_split("_swap-9138805db3c96cd47d9ae79c77b95fa5"), "swap");
/// assert_eq!(key_split("ae05086432ca935f6eba409a8ecd4896"), "data");
/// assert_eq!(key_split("<module.submodule.myclass object at 0xdaf372"), "myclass");
/// assert_eq!(key_split(""), "Other");
/// ```
pub fn key_split(key: &str) -> String {
    let mut words = key.split('-');
    let first = words.next().unwrap_or("");
    let Some(c0) = first.chars().next() else {
        return "Other".to_owned();
    };
    let mut result = if c0.is_alphabetic() {
        first.to_owned()
    } else {
        let before_comma = first.split(',').next().unwrap_or(first);
        before_comma
            .trim_matches(|c| matches!(c, '_' | '\'' | '(' | ')' | '"' | '[' | ']'))
            .to_owned()
    };
    for word in words {
        let is_token = word.chars().count() == 8
            && word
                .chars()
                .next()
                .is_some_and(|c| ('a'..='f').contains(&c));
        if !word.is_empty() && word.chars().all(char::is_alphabetic) && !is_token {
            result.push('-');
            result.push_str(word);
        } else {
            break;
        }
    }
    if result.len() == 32
        && result
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return "data".to_owned();
    }
    if result.starts_with('<') {
        return result
            .trim_matches(|c| c == '<' || c == '>')
            .split_whitespace()
            .next()
            .and_then(|w| w.rsplit('.').next())
            .unwrap_or("Other")
            .to_owned();
    }
    if result.is_empty() {
        "Other".to_owned()
    } else {
        result
    }
}
