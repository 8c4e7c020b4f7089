// Public surface of @graft/eval: every export is named here.
export {};
