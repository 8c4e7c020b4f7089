// Public surface of @graft/safetensors: every export is named here.
export {};
