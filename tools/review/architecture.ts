// out/<stack>/architecture.svg: what a stack builds, as a picture a newcomer can read.
//
// Three steps, each pure except the last: architectureModel(plan) reads the facts from the
// resources' inputs and the program's components' facts (never from config, descriptions or user
// data, so the picture shows what would really be registered); architectureDot(model) lays them
// out as Graphviz DOT; renderSvg(dot) runs Graphviz compiled to WebAssembly (@viz-js/viz), so
// nothing needs installing and the output is the same everywhere. The steps live in ./architecture/.
export * from "./architecture/model";
export { architectureModel } from "./architecture/read";
export { corefileForwarders } from "./architecture/readActiveDirectory";
export { arnShortName } from "./architecture/planIndex";
export { dotString, htmlText } from "./architecture/dot";
export { architectureDot } from "./architecture/draw";
export { renderSvg } from "./architecture/svg";
