// Package lore is the lorebook (world info) engine: given the recent chat
// messages and the books in scope, Activate decides which entries go into
// the prompt, where, and within what token budget. It is pure: no storage,
// no I/O, no clock, no randomness, and the same input always gives the same
// Result.
//
// Lore is authored canon, inserted when its keywords come up; it is not
// memory, which records what happened. get_context returns both.
//
// The semantics follow the Character Card V2/V3 character_book and
// SillyTavern's World Info, where they agree; where they leave a choice,
// it is written down here and in the file that makes it.
//
// # Scanning
//
// A sweep scans the most recent ScanDepth messages (the entry's override,
// else the book's, else DefaultScanDepth = 2; 0 scans none). Every message
// is a separate segment, and so is every entry's content in recursion: a
// key never matches across two of them.
//
// Keys are tried in the order written. A key is:
//
//   - plain: a substring, case-insensitive (Unicode lower-casing, not full
//     case folding) unless Entry.CaseSensitive. With Entry.WholeWords it
//     must also sit on word boundaries, by a rule that does not break
//     scripts written without spaces: beside a Han, kana, Hangul, Thai, Lao,
//     Khmer, Myanmar, Tibetan or Yi character there is always a boundary.
//     So "東京" matches in "私は東京に行った" and "king" in "kingです",
//     while "king" does not match in "liking". Keys with spaces inside are
//     held to the same rule at both ends.
//   - a regular expression, written /pattern/flags as SillyTavern does, in
//     any entry; or any key of an entry with UseRegex (slashes optional).
//     Flags i, m and s apply; g, y, u, d and v are accepted and mean
//     nothing here. A regex key ignores CaseSensitive and WholeWords, except
//     that a bare pattern under UseRegex is case-insensitive unless
//     CaseSensitive. Go's regexp is RE2: JavaScript lookahead, lookbehind
//     and backreferences are not supported, and an entry using them is
//     reported in Result.Errors rather than silently never matching.
//     Patterns are compiled once and cached. Under UseRegex the secondary
//     keys are patterns too.
//
// {{char}} and {{user}} (and <BOT>, <CHAR>, <USER>) are replaced by
// Input.CharName and Input.UserName in keys (quoted inside patterns) and
// content; the stored entries are never changed. Empty keys never match.
//
// An entry activates when it is Enabled and either Constant, or one of its
// primary keys matched and, if it is Selective with secondary keys, they
// agree under its Logic: AND ANY (at least one matched), AND ALL (all
// matched), NOT ANY (none matched), NOT ALL (not all matched). An entry
// with a key that does not compile, or an unknown Logic, is reported in
// Result.Errors and takes no part at all, constant or not: an author's
// mistake should show, not half-work. An entry whose content is empty adds
// nothing and is ignored, as the card spec says. Each entry activates at
// most once.
//
// # Recursion
//
// With Book.RecursiveScanning, sweep 2 scans the content of the entries
// kept in sweep 1 (together with the messages already scanned, so
// secondary keys may be satisfied by either), sweep 3 the content kept in
// sweep 2, and so on, until a sweep keeps nothing new, an entry overflows
// the total budget, or the book's MaxRecursionSteps recursive sweeps have
// run. Recursion is a property of the book being activated: a recursive
// book's entries may be activated by the content of any kept entry,
// whatever its book. Since an entry activates at most once, cycles (A
// mentions B, B mentions A) end.
// Per entry: ExcludeRecursion entries are only activated by messages,
// PreventRecursion entries' content activates nothing, DelayUntilRecursion
// entries are only activated in recursive sweeps. Result records for each
// entry the sweep, the key and the message or entry that held it.
//
// # Scopes
//
// Books stack in this order, most specific first: channel books
// (ScopeChannel, attached to one Discord channel or console room), the
// character's own book (ScopeCharacter, usually its card's character_book),
// world books (ScopeWorld, shared by every character of a simulation).
// The order resolves conflicts, and nothing else:
//
//   - the same book (same non-empty Name) in two scopes is used once, from
//     the more specific scope; in one scope the first copy wins. The copies
//     left out are listed in Result.Shadowed;
//   - two activated entries with the same content (trimmed, macros
//     replaced) are inserted once: the one ranked first is kept, which at
//     equal priority is the more specific scope's; the other is in
//     Result.Dropped as a duplicate and costs no tokens;
//   - at equal priority the budget keeps the more specific scope first;
//   - in the prompt, at equal position and insertion order, world entries
//     come first and channel entries last, so the most specific canon sits
//     nearest the reply.
//
// # Budget
//
// Entries activated in one sweep are ranked, highest first, by
//
//  1. Priority, higher first (the card spec removes the lowest priority
//     first; a card without priorities leaves them all 0, so 2–4 decide);
//  2. constant before keyed (SillyTavern inserts constants first);
//  3. scope, most specific first;
//  4. InsertionOrder, higher first (the spec's fallback when there is no
//     priority, and SillyTavern's meaning of order);
//  5. stacking order of the books, then order within the book.
//
// They are admitted in that order while they fit both their book's
// TokenBudget and Input.TokenBudget (0 = no cap). The cut is a strict
// prefix: once an entry does not fit its book's budget, no lower-ranked
// entry of that book is admitted, and once one does not fit the total,
// nothing more is admitted and recursion stops. So a dropped entry never
// outranks a kept one: a small low-priority entry cannot slip in ahead of a
// large high-priority one. Sweeps are budgeted in turn, so entries found in
// the messages come before entries found through other entries' content
// (as in SillyTavern), and recursion only follows content that is in the
// prompt. Constant entries are budgeted like the others; give them a high
// priority to keep them.
//
// Costs come from Input.Tokens; ApproxTokens, the default, counts one
// token per CJK character and one per four other non-space characters.
//
// # Output
//
// Result.Activated is in prompt order: grouped by position (before_char,
// after_char, before/after examples, author's note top/bottom, at depth,
// outlets), by insertion order ascending within a group. Result.Groups
// splits it. Result.Dropped lists what the budget or deduplication left
// out and why.
//
// # Decorators
//
// Character Card V3 @@decorators at the top of an entry's content are
// removed before insertion; @@activate, @@dont_activate, @@scan_depth,
// @@depth, @@role, @@position (before_desc, after_desc),
// @@additional_keys and @@exclude_keys are honoured, with @@@ fallbacks
// (decorators.go). Others are ignored, as the spec allows.
//
// Not supported (SillyTavern features outside the card spec): probability,
// inclusion groups, timed effects (sticky, cooldown, delay), character
// filters, generation-type triggers, min activations, vector matching, and
// the decorators that need state across turns (@@activate_only_after,
// @@activate_only_every, @@keep_activate_after_match, …).
package lore
