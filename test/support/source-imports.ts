import ts from 'typescript';

/** One module a source file names: a static or dynamic import, a re-export, a `require`, or the plugin's `load`. */
export interface SourceImport {
  specifier: string;
  /** 1-based line of the import. */
  line: number;
}

/**
 * Calls that load a module by a literal name: CommonJS `require`, and `load`, the local plugin's lazy loader
 * (lib/tools/serverless-plugin/local-plugin.cjs), which requires TypeScript files on first use.
 */
const LOADERS = new Set(['require', 'load']);

const scriptKindOf = (file: string): ts.ScriptKind =>
  /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : /\.tsx$/.test(file) ? ts.ScriptKind.TSX : ts.ScriptKind.TS;

const literalText = (node: ts.Node | undefined): string | undefined =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

/**
 * Every module `text` names by a literal, read from its syntax tree, so code inside strings and template
 * texts (a scaffold's generated source) is not mistaken for an import. Names computed at run time are not listed.
 */
export function sourceImports(file: string, text: string): SourceImport[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKindOf(file));
  const found: SourceImport[] = [];
  const add = (specifier: string | undefined, node: ts.Node) => {
    if (specifier !== undefined) found.push({ specifier, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      add(literalText(node.moduleSpecifier), node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(literalText(node.moduleReference.expression), node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(literalText(node.argument.literal), node);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const loads = callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && LOADERS.has(callee.text));
      if (loads) add(literalText(node.arguments[0]), node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
