/** A step's output name as an Azure DevOps output variable: kebab-case becomes camelCase, as the task inputs are. */
export function outputVariableName(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}
