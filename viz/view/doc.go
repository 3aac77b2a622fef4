// Package view writes the interactive LinguisticLens page: one
// self-contained HTML file (its JavaScript and CSS embedded, no network
// access) rendering the JSON layout of the released tool's output:
//
//	{"data": [row...], "clusters": {lens: {k: {cluster id: {"top_sequence": {"tokens": [...], "count": n}}}}}}
//
// where each row carries its text column, "all tags", "index",
// "parse_data" ([{token, pos, dep, headTokenIdx}...]), "cluster_ids"
// (lens → k → cluster id) and "order_index" (lens → dendrogram leaf rank).
//
// The page shows one column per cluster (its size and summary pattern),
// examples as token boxes coloured by POS with dependency arcs, a lens
// switcher, a k stepper, the collapsed "table lens" mode, hover
// highlighting of tokens with the same POS and dependency label (or
// matching a summary-pattern chip or a POS legend entry), and seed
// examples (tags containing "User" or "Uploaded") marked.
//
// The URL fragment selects the state, and the page keeps it up to date:
// #lens=pos&k=5&collapse=1&dep=1&pos=0 (lens is a key of "clusters", such
// as token, pos, dep or embedding, with "semantic" accepted for embedding;
// k snaps to the nearest k of the list; collapse, dep and pos switch the
// table lens, dependency colours and POS colours).
//
// Errors in the page (uncaught exceptions, console.error calls, content
// security policy violations) are listed in the element #lens-errors, so a
// headless browser's --dump-dom shows them.
// All user text is inserted as DOM text, never as markup, and the embedded
// JSON is escaped so no string can close its script element.
package view
