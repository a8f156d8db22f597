package io.interchange.helm;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, exactly as they must be exported ({@code x_bucket}, {@code x_count}
 * stay as written). Not a full parser: it drops strings, label matchers, range and subquery brackets, Grafana
 * variables and numbers, then keeps every identifier that is neither a keyword, an aggregation, a function call
 * nor a label in a {@code by}, {@code without}, {@code on}, {@code ignoring} or {@code group_*} list.
 */
final class PromQlMetricNames {

    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "offset", "bool", "and", "or", "unless", "atan2", "inf", "nan", "start", "end",
            // aggregation operators, which may be followed by a by/without clause instead of their parenthesis
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
            "quantile", "limitk", "limit_ratio");

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^{}]*}");
    private static final Pattern BRACKETS = Pattern.compile("\\[[^\\[\\]]*]");
    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{[^}]*}|\\w+)");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*|[0-9.][0-9A-Za-z_.+]*|\\S");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
    /** Grafana's {@code label_values(selector, label)}: only the selector is a query. */
    private static final Pattern LABEL_VALUES = Pattern.compile("(?s)\\s*label_values\\s*\\((.*)\\)\\s*");
    private static final Pattern QUERY_RESULT = Pattern.compile("(?s)\\s*query_result\\s*\\((.*)\\)\\s*");

    private PromQlMetricNames() {
    }

    static Set<String> of(String expression) {
        String text = STRING.matcher(expression).replaceAll(" ");
        text = VARIABLE.matcher(text).replaceAll(" ");
        text = MATCHERS.matcher(text).replaceAll(" ");
        // Subqueries nest no brackets, but strip until none is left, whatever the nesting.
        for (String before = null; !text.equals(before); ) {
            before = text;
            text = BRACKETS.matcher(text).replaceAll(" ");
        }
        List<String> tokens = new ArrayList<>();
        Matcher token = TOKEN.matcher(text);
        while (token.find()) {
            tokens.add(token.group());
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (!IDENTIFIER.matcher(t).matches()) {
                continue;
            }
            String lower = t.toLowerCase(Locale.ROOT);
            boolean call = i + 1 < tokens.size() && tokens.get(i + 1).equals("(");
            if (LABEL_LISTS.contains(lower) && call) {
                // Skip the label list: by (routeId, source)
                while (i < tokens.size() && !tokens.get(i).equals(")")) {
                    i++;
                }
            } else if (!KEYWORDS.contains(lower) && !call) {
                names.add(t);
            }
        }
        return names;
    }

    /** A Grafana template variable's query: {@code label_values(...)}, {@code query_result(...)} or plain PromQL. */
    static Set<String> ofGrafanaVariable(String query) {
        Matcher labelValues = LABEL_VALUES.matcher(query);
        if (labelValues.matches()) {
            String arguments = labelValues.group(1);
            int lastComma = lastTopLevelComma(arguments);
            return lastComma < 0 ? Set.of() : of(arguments.substring(0, lastComma));
        }
        Matcher queryResult = QUERY_RESULT.matcher(query);
        return of(queryResult.matches() ? queryResult.group(1) : query);
    }

    private static int lastTopLevelComma(String text) {
        int depth = 0;
        int last = -1;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' && (i == 0 || text.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (!quoted && (c == '(' || c == '{' || c == '[')) {
                depth++;
            } else if (!quoted && (c == ')' || c == '}' || c == ']')) {
                depth--;
            } else if (!quoted && c == ',' && depth == 0) {
                last = i;
            }
        }
        return last;
    }
}
