//! A streamed answer renders exactly as the finished one: whatever deltas the text arrives in,
//! what the widget shows at the end (frozen blocks, then the open tail) equals `render` of the
//! whole text, which is what a reload shows; and a block, once frozen, is never contradicted.

use confab_core::markdown::{render, Frozen, Node, RenderOptions};
use proptest::prelude::*;

const OPTIONS: RenderOptions = RenderOptions { images: true };

/// The widget's per-frame budget of newly frozen text.
const BUDGET: usize = 4 * 1024;

fn corpus() -> Vec<&'static str> {
    include_str!("data/markdown-samples.md")
        .split("\n\n\n")
        .collect()
}

/// Streams `doc` in the deltas that end at `ends` (increasing char boundaries), as the
/// widget renders it, and checks it against the whole-text render.
fn check_stream(doc: &str, ends: &[usize]) -> Result<(), TestCaseError> {
    let whole = render(doc, OPTIONS);
    let mut frozen = Frozen::default();
    let mut shown: Vec<Node> = Vec::new();
    for &end in ends.iter().chain([&doc.len()]) {
        let text = &doc[..end];
        while let Some(advance) = frozen.advance(text, BUDGET, OPTIONS) {
            shown.extend(advance.nodes);
            if !advance.more {
                break;
            }
        }
        // What is frozen is final: it is how the finished text begins.
        prop_assert!(
            whole.starts_with(&shown),
            "frozen at {end} of {doc:?}:\n{shown:#?}\nvs\n{whole:#?}"
        );
        let _ = frozen.tail(text, OPTIONS);
    }
    shown.extend(frozen.tail(doc, OPTIONS));
    prop_assert_eq!(&shown, &whole, "{:?} in deltas ending {:?}", doc, ends);
    Ok(())
}

#[test]
fn line_by_line_and_char_by_char_equal_the_whole() {
    for doc in corpus() {
        let lines: Vec<usize> = doc.match_indices('\n').map(|(i, _)| i + 1).collect();
        check_stream(doc, &lines).unwrap();
        let chars: Vec<usize> = doc.char_indices().map(|(i, _)| i).skip(1).collect();
        check_stream(doc, &chars).unwrap();
        check_stream(doc, &[]).unwrap();
    }
}

/// The widget renders a restored answer 4 KB of blocks a frame: a long document frozen in
/// slices gives the same nodes as one frozen at once.
#[test]
fn a_long_answer_frozen_in_slices_equals_the_whole() {
    let doc = corpus().join("\n\n");
    let long = [doc.as_str(); 6].join("\n\n");
    check_stream(&long, &[]).unwrap();
    let paragraphs: Vec<usize> = long.match_indices("\n\n").map(|(i, _)| i + 1).collect();
    check_stream(&long, &paragraphs).unwrap();
}

/// The ends of deltas at the generated indices that fall on character boundaries, in order.
fn ends_at(doc: &str, cuts: &[prop::sample::Index]) -> Vec<usize> {
    let mut ends: Vec<usize> = cuts
        .iter()
        .map(|i| i.index(doc.len() + 1))
        .filter(|&e| doc.is_char_boundary(e))
        .collect();
    ends.sort_unstable();
    ends.dedup();
    ends
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Random deltas of every sample document.
    #[test]
    fn random_deltas_equal_the_whole(
        doc in prop::sample::select(corpus()),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        check_stream(doc, &ends_at(doc, &cuts))?;
    }

    /// Random markdown-ish text, streamed in random deltas.
    #[test]
    fn random_text_in_random_deltas_equals_the_whole(
        doc in "([-*>#|`~\\[\\]()!:_ \t\n1.aé😀]|https://a.b|\\[x\\]: https://x.y|```|\n\n|    ){0,80}",
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
    ) {
        check_stream(&doc, &ends_at(&doc, &cuts))?;
    }
}
