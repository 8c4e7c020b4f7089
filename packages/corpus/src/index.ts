// Public surface of @graft/corpus: every export is named here.
export {};
