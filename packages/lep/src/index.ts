// Public surface of @graft/lep: every export is named here.
export {};
