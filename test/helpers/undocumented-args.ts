import * as ts from "typescript";

/**
 * Properties without a JSDoc comment in the argument interfaces of a declaration file set,
 * following every interface and inline object type reachable from the roots (so `aws.vpc`'s
 * members are checked as well as `aws`'s). Reads `.d.ts` text, as a consumer's editor does.
 */
export function undocumentedArgs(files: ReadonlyMap<string, string>, roots: readonly string[]): string[] {
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  for (const [file, text] of files) {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    source.forEachChild((node) => {
      if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
    });
  }
  const missing: string[] = [];
  const seen = new Set<string>();
  const visitType = (type: ts.TypeNode | undefined, at: string): void => {
    if (!type) return;
    if (ts.isTypeLiteralNode(type)) visitMembers(type.members, at);
    else if (ts.isTypeReferenceNode(type)) {
      const name = type.typeName.getText();
      if (interfaces.has(name)) visitInterface(name);
      type.typeArguments?.forEach((t) => visitType(t, at));
    } else if (ts.isUnionTypeNode(type) || ts.isIntersectionTypeNode(type)) type.types.forEach((t) => visitType(t, at));
    else if (ts.isArrayTypeNode(type)) visitType(type.elementType, at);
    else if (ts.isTypeOperatorNode(type)) visitType(type.type, at);
    else if (ts.isParenthesizedTypeNode(type)) visitType(type.type, at);
  };
  const visitMembers = (members: ts.NodeArray<ts.TypeElement>, at: string): void => {
    for (const member of members) {
      if (!ts.isPropertySignature(member)) continue;
      const where = `${at}.${member.name.getText()}`;
      if (ts.getJSDocCommentsAndTags(member).length === 0) missing.push(where);
      visitType(member.type, where);
    }
  };
  const visitInterface = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const declaration = interfaces.get(name)!;
    visitMembers(declaration.members, name);
    for (const clause of declaration.heritageClauses ?? []) for (const base of clause.types) if (interfaces.has(base.expression.getText())) visitInterface(base.expression.getText());
  };
  for (const root of roots) {
    if (!interfaces.has(root)) missing.push(`${root} (not declared)`);
    else visitInterface(root);
  }
  return missing;
}
