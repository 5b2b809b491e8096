/**
 * The shell scripts `zenml completion <shell>` prints. Each one only forwards the words on the line
 * to `zenml __complete` and shows its answer, so commands and options added later complete with no
 * new script. The protocol: one candidate a line (`value<TAB>description`), then a directive line,
 * `:file` (let the shell complete file names) or `:none`.
 */

/** bash: COMPREPLY from the candidates (bash shows no descriptions). */
export function bashScript(bin: string): string {
  return `# zenml completion for bash. Install: zenml completion bash > ~/.local/share/bash-completion/completions/${bin}
# (or add \`source <(zenml completion bash)\` to ~/.bashrc).
_zenml_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} line
  local -a out
  # mapfile, not out=($(…)): descriptions and file names may hold glob characters.
  mapfile -t out < <(${bin} __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  [ \${#out[@]} -gt 0 ] || return 0
  local directive=\${out[\${#out[@]}-1]}
  out=("\${out[@]:0:\${#out[@]}-1}")
  COMPREPLY=()
  if [ "$directive" = ":file" ]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return 0
  fi
  for line in "\${out[@]}"; do
    COMPREPLY+=("\${line%%$'\\t'*}")
  done
}
complete -F _zenml_complete ${bin}
`;
}

/** zsh: _describe with the model name (or option help) beside each candidate. */
export function zshScript(bin: string): string {
  return `#compdef ${bin}
# zenml completion for zsh. Install: zenml completion zsh > "\${fpath[1]}/_${bin}" (any folder on $fpath),
# then start a new shell (compinit must run in ~/.zshrc).
_zenml() {
  local -a out candidates
  local line value directive
  out=("\${(@f)$(${bin} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  directive=\${out[-1]}
  out=("\${(@)out[1,-2]}")
  if [[ $directive == :file ]]; then
    _files
    return
  fi
  for line in "\${out[@]}"; do
    [[ -z $line ]] && continue
    value=\${line%%$'\\t'*}
    value=\${value//:/\\\\:}
    if [[ $line == *$'\\t'* ]]; then
      candidates+=("$value:\${line#*$'\\t'}")
    else
      candidates+=("$value")
    fi
  done
  (( \${#candidates} )) && _describe -t values '${bin}' candidates
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _zenml "$@"
else
  compdef _zenml ${bin}
fi
`;
}

/** fish: candidates with their descriptions, as fish shows them natively. */
export function fishScript(bin: string): string {
  return `# zenml completion for fish. Install: zenml completion fish > ~/.config/fish/completions/${bin}.fish
function __zenml_complete
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l current (commandline -ct)
    set -l out (${bin} __complete $tokens "$current" 2>/dev/null)
    set -q out[1]; or return
    set -l directive $out[-1]
    set -e out[-1]
    if test "$directive" = ":file"
        __fish_complete_path "$current"
        return
    end
    printf '%s\\n' $out
end
complete -c ${bin} -f -a '(__zenml_complete)'
`;
}

/** The script for `shell`. */
export function completionScript(shell: 'bash' | 'zsh' | 'fish', bin = 'zenml'): string {
  return shell === 'bash' ? bashScript(bin) : shell === 'zsh' ? zshScript(bin) : fishScript(bin);
}
