// Public surface of @graft/chat-tags: every export is named here.
export { ChatTemplateError } from "./chat-template-error.js";
export { createTagger, type Tagger, type TaggerOptions } from "./create-tagger.js";
export { type ChatTemplate, loadChatTemplate } from "./load-chat-template.js";
export { type ReadSamplesOptions, type ReadSamplesStats, readSamples } from "./read-samples.js";
export { type ChatMessage, type RenderOptions, renderChatTemplate } from "./render-chat-template.js";
export { type RenderedSample, type RenderSampleOptions, renderSample } from "./render-sample.js";
export { type ChatSample, conversation, inscpDocument, inscpPair, plain, SAMPLE_FORMATS, type SampleFormat } from "./sample-formats.js";
export { SampleInputError } from "./sample-input-error.js";
export { SampleTooLongError } from "./sample-too-long-error.js";
export { tagJsonl, tagSamples } from "./tag-samples.js";
export { type MaskMode, type TokenizedSample, tokenizeSample } from "./tokenize-sample.js";
