"""Review: what an organisation proposes waits until a data manager approves or rejects it
(four-eyes: never one's own proposal). One mechanism for every reviewed kind of object."""
