// Public surface of @graft/vocab: every export is named here.
export {};
