/** Token-exact rendering: chat templates, tokenizer offsets, assistant masks, observation shortening. */
export {
  type ChatMessage,
  type DpoTokens,
  type RenderContext,
  renderContext,
  renderDpo,
  renderSft,
  type SftTokens,
} from "./conversation.js";
export { assistantTokenMask, charToToken } from "./mask.js";
export { markSpans, previewDpo, tokenSummary } from "./preview.js";
export {
  cutMarker,
  cutMiddle,
  type ObservationCut,
  observationIndices,
  shortenObservations,
} from "./shorten.js";
export {
  type ChatTemplate,
  CompiledTemplate,
  hasGenerationMarkers,
  modelChatTemplate,
  type Rendered,
  sftTrainingTemplate,
  trlChatTemplatesDir,
  trlTemplate,
} from "./template.js";
export { type ChatTokenizer, loadTokenizer } from "./tokenizer.js";
